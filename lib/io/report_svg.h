/* Private: the report's charts as inline SVG (report_html.c places them).
 * Every chart is a <figure class="chart" id=...> holding one <svg> whose
 * axes carry <text class="axis-label x"> and <text class="axis-label y">, so
 * a test can find each chart and its labelled axes in the DOM. */
#ifndef CRVM_IO_REPORT_SVG_H
#define CRVM_IO_REPORT_SVG_H

#include <stddef.h>

#include "io/report_buf.h"

/* One bar of a bar chart; lower/upper NaN: no interval whisker. */
typedef struct crvm__bar {
    const char *label;
    double value, lower, upper;
} crvm__bar;

/* Horizontal bars with interval whiskers, categories down the y axis. */
void crvm__svg_bars(crvm__rbuf *b, const char *id, const char *title, const char *x_label,
                    const char *y_label, const crvm__bar *bars, size_t n, int money);

/* A waterfall: each step adds its value to the running total; the last bar
 * (total = 1) is drawn from zero. */
typedef struct crvm__step {
    const char *label;
    double value;
    int total;
} crvm__step;
void crvm__svg_waterfall(crvm__rbuf *b, const char *id, const char *title, const char *x_label,
                         const char *y_label, const crvm__step *steps, size_t n);

/* Lines y[s][0..len) against 0..len-1, series s solid (observed) and dashed
 * (projected); NaN points are gaps. y from 0 to 1. */
typedef struct crvm__series {
    const char *name;
    const double *solid, *dashed;
} crvm__series;
void crvm__svg_curves(crvm__rbuf *b, const char *id, const char *title, const char *x_label,
                      const char *y_label, const crvm__series *series, size_t n, size_t len);

#endif
