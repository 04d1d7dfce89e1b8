/*
 * cmdline.h - the command-line conventions vmfs-demo and vmfs-bench share.
 *
 * Both parse their options with getopt_long(3) and answer a command line
 * the same way: -h/--help prints the usage on stdout and exits 0; an
 * unknown option or a missing argument (getopt has said which) prints the
 * usage on stderr and exits 2; so does an operand, which neither program
 * takes, after "PROG: unexpected argument 'ARG'".
 *
 * What stays true: cmdline_next() hands the caller only the options it
 * has to act on, and answers -h and every error itself, so that a program
 * built on it cannot answer them differently.
 */
#ifndef CMDLINE_H
#define CMDLINE_H

#include <getopt.h>
#include <stdio.h>

/* Print the usage of the program called @argv0 on @to. */
typedef void cmdline_usage_fn(FILE *to, const char *argv0);

/*
 * The next option of getopt_long(argc, argv, @optstring, @longopts), for
 * the caller to act on (> 0, optarg set as by getopt); 0 when the options
 * are over and no operand follows; -1 when the program is to exit with
 * *status: 0 after -h, 2 after a bad command line (@usage printed).
 */
int cmdline_next(int argc, char **argv, const char *optstring,
		 const struct option *longopts, cmdline_usage_fn *usage, int *status);

#endif /* CMDLINE_H */
