/*
 * replay_out.h - what vmfs-replay prints: one row per run as an aligned
 * table, CSV or JSON, and the miss-ratio curves as an SVG drawing.
 *
 * A row carries SPEC §4's columns, in this order, and nothing else:
 *
 *     trace,policy,frames,refs,faults,major,minor,swapouts,swapins,hit_ratio
 *
 * hit_ratio = 1 - faults/refs, printed with six decimals (0 when there
 * were no references).  Rows are printed in the order given: by trace,
 * then policy, then frame count, as the command line listed them.  A row
 * of a curve (--mrc) knows only its faults: its major, minor, swapouts
 * and swapins are empty in the table and in CSV, and null in JSON.
 */
#ifndef REPLAY_OUT_H
#define REPLAY_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct row {
	const char *trace;
	const char *policy;
	uint64_t    frames;
	uint64_t    refs, faults, major, minor, swapouts, swapins;
	bool        ok;           /* the run finished; rows that did not are not printed */
	bool        faults_only;  /* a curve's row: no major, minor, swapouts, swapins */
};

double row_hit_ratio(const struct row *r);

void print_table(FILE *f, const struct row *rows, size_t n);
/* @header: print the header line first (the first part of a --shard sweep does). */
void print_csv(FILE *f, const struct row *rows, size_t n, bool header);
void print_json(FILE *f, const struct row *rows, size_t n);

/*
 * Draw one chart per trace: faults against frames, one line per policy,
 * with the miss ratio on a second axis.  0, or -1 after saying why.
 */
int plot_svg(const char *path, const struct row *rows, size_t n);

#endif /* REPLAY_OUT_H */
