/*
 * cmdline.c - the command-line conventions vmfs-demo and vmfs-bench share
 * (see cmdline.h): -h answered on stdout with status 0, every error on
 * stderr with the usage and status 2.
 */
#include "cmdline.h"

int cmdline_next(int argc, char **argv, const char *optstring,
		 const struct option *longopts, cmdline_usage_fn *usage, int *status)
{
	int c = getopt_long(argc, argv, optstring, longopts, NULL);

	if (c == 'h' || c == '?' || c == ':') {
		usage(c == 'h' ? stdout : stderr, argv[0]);
		*status = c == 'h' ? 0 : 2;
		return -1;
	}
	if (c != -1)
		return c;
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", argv[0], argv[optind]);
		usage(stderr, argv[0]);
		*status = 2;
		return -1;
	}
	return 0;
}
