// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Edit distance and "did you mean" suggestions (policy keys, CLI words). */
#include <string.h>

#include "util/util.h"

#define TEXT_DIST_LEN 64

static unsigned int min3(unsigned int a, unsigned int b, unsigned int c)
{
	unsigned int m = a < b ? a : b;

	return m < c ? m : c;
}

unsigned int util_edit_distance(const char *a, const char *b, unsigned int max)
{
	unsigned int rows[3][TEXT_DIST_LEN + 1], *d2, *d1, *d0;
	size_t la = strlen(a), lb = strlen(b), i, j;

	if (la > TEXT_DIST_LEN || lb > TEXT_DIST_LEN || la > lb + max || lb > la + max)
		return max + 1;
	for (j = 0; j <= lb; j++)
		rows[0][j] = (unsigned int)j;
	for (i = 1; i <= la; i++) {
		d0 = rows[i % 3]; /* row i */
		d1 = rows[(i - 1) % 3];
		d2 = rows[(i + 1) % 3]; /* row i - 2 */
		d0[0] = (unsigned int)i;
		for (j = 1; j <= lb; j++) {
			d0[j] = min3(d1[j] + 1, d0[j - 1] + 1, d1[j - 1] + (a[i - 1] != b[j - 1]));
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d2[j - 2] + 1 < d0[j])
				d0[j] = d2[j - 2] + 1;
		}
	}
	return rows[la % 3][lb];
}

const char *util_nearest(const char *word, const char *const *names, size_t n, unsigned int max)
{
	const char *best = NULL;
	unsigned int bd = max + 1, d;
	size_t i;

	for (i = 0; i < n; i++) {
		d = util_edit_distance(word, names[i], max);
		if (d < bd && d < strlen(names[i])) {
			bd = d;
			best = names[i];
		}
	}
	return best;
}
