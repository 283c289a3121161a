/* Inline SVG charts of the report: axes with "nice" ticks (1, 2, 5 x 10^k),
 * bars, a waterfall and survival curves. Sizes are in the viewBox's units;
 * the page scales the SVG to its column. */
#include "io/report_svg.h"

#include <math.h>
#include <stdio.h>

#define W 640.0
#define ML 150.0 /* left margin: category labels */
#define MR 24.0
#define MT 12.0
#define MB 52.0  /* bottom margin: tick labels and the x axis label */

static const char *const palette[] = {"#1f5f99", "#c0504d", "#4f8a3a", "#8064a2", "#d08a1e", "#2a9d9d"};
#define PALETTE (sizeof palette / sizeof palette[0])

/* A compact number for a tick or a bar: 1.2M, 350k, 12, 0.25. */
static void compact(char *buf, size_t n, double x, int money)
{
    double a = fabs(x);
    const char *sign = x < 0 ? "-" : "";
    if (money && a >= 1e9)
        snprintf(buf, n, "%s%.3gB", sign, a / 1e9);
    else if (money && a >= 1e6)
        snprintf(buf, n, "%s%.3gM", sign, a / 1e6);
    else if (money && a >= 1e4)
        snprintf(buf, n, "%s%.3gk", sign, a / 1e3);
    else
        snprintf(buf, n, "%s%.3g", sign, a);
}

/* Tick step: 1, 2 or 5 times a power of ten, about `want` ticks over span. */
static double tick_step(double span, int want)
{
    if (!(span > 0))
        return 1;
    double raw = span / want, p = pow(10, floor(log10(raw))), f = raw / p;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
}

typedef struct scale {
    double lo, hi;   /* data range, widened to ticks */
    double a, b;     /* pixel range */
    double step;
} scale;

static scale make_scale(double lo, double hi, double a, double b, int want)
{
    if (!(hi > lo)) {
        lo = fmin(lo, 0) - 1;
        hi = fmax(hi, 0) + 1;
    }
    double step = tick_step(hi - lo, want);
    return (scale){floor(lo / step) * step, ceil(hi / step) * step, a, b, step};
}

static double at(const scale *s, double x)
{
    return s->a + (x - s->lo) / (s->hi - s->lo) * (s->b - s->a);
}

static void open_chart(crvm__rbuf *b, const char *id, const char *title, double h)
{
    crvm__rbuf_printf(b, "<figure class=\"chart\" id=\"%s\"><figcaption>", id);
    crvm__rbuf_html(b, title);
    crvm__rbuf_printf(b, "</figcaption><svg viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"", W, h);
    crvm__rbuf_html(b, title);
    crvm__rbuf_puts(b, "\" xmlns=\"http://www.w3.org/2000/svg\">");
}

static void close_chart(crvm__rbuf *b)
{
    crvm__rbuf_puts(b, "</svg></figure>\n");
}

static void axis_labels(crvm__rbuf *b, const char *x_label, const char *y_label, double h)
{
    crvm__rbuf_printf(b, "<text class=\"axis-label x\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
                      (ML + W - MR) / 2, h - 8);
    crvm__rbuf_html(b, x_label);
    crvm__rbuf_printf(b, "</text><text class=\"axis-label y\" transform=\"translate(14 %.1f) rotate(-90)\" "
                         "text-anchor=\"middle\">", (MT + h - MB) / 2);
    crvm__rbuf_html(b, y_label);
    crvm__rbuf_puts(b, "</text>");
}

/* Vertical grid lines and tick labels of a horizontal value axis. */
static void x_ticks(crvm__rbuf *b, const scale *x, double top, double bottom, int money)
{
    for (double v = x->lo; v <= x->hi + x->step / 2; v += x->step) {
        char t[32];
        double px = at(x, v);
        compact(t, sizeof t, fabs(v) < x->step / 2 ? 0 : v, money);
        crvm__rbuf_printf(b, "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>"
                             "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>",
                          px, px, top, bottom, px, bottom + 16, t);
    }
    crvm__rbuf_printf(b, "<line class=\"axis\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>", x->a, x->b,
                      bottom, bottom);
}

/* Horizontal grid lines and tick labels of a vertical value axis. */
static void y_ticks(crvm__rbuf *b, const scale *y, double left, double right, int money)
{
    for (double v = y->lo; v <= y->hi + y->step / 2; v += y->step) {
        char t[32];
        double py = at(y, v);
        compact(t, sizeof t, fabs(v) < y->step / 2 ? 0 : v, money);
        crvm__rbuf_printf(b, "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>"
                             "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>",
                          left, right, py, py, left - 6, py + 4, t);
    }
    crvm__rbuf_printf(b, "<line class=\"axis\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>", left, left,
                      y->a, y->b);
}

void crvm__svg_bars(crvm__rbuf *b, const char *id, const char *title, const char *x_label,
                    const char *y_label, const crvm__bar *bars, size_t n, int money)
{
    double row = 26, h = MT + MB + row * (double)(n ? n : 1);
    double lo = 0, hi = 0;
    for (size_t i = 0; i < n; i++) {
        double v[3] = {bars[i].value, bars[i].lower, bars[i].upper};
        for (int k = 0; k < 3; k++)
            if (isfinite(v[k])) {
                lo = fmin(lo, v[k]);
                hi = fmax(hi, v[k]);
            }
    }
    scale x = make_scale(lo, hi, ML, W - MR, 5);
    open_chart(b, id, title, h);
    x_ticks(b, &x, MT, h - MB, money);
    double zero = at(&x, 0);
    for (size_t i = 0; i < n; i++) {
        double y = MT + row * (double)i, v = isfinite(bars[i].value) ? bars[i].value : 0, px = at(&x, v);
        char t[32];
        compact(t, sizeof t, v, money);
        crvm__rbuf_printf(b, "<text class=\"category\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", ML - 8,
                          y + row / 2 + 4);
        crvm__rbuf_html(b, bars[i].label);
        crvm__rbuf_printf(b, "</text><rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">"
                             "<title>", v < 0 ? "bar negative" : "bar", fmin(zero, px), y + 5,
                          fabs(px - zero), row - 10);
        crvm__rbuf_html(b, bars[i].label);
        crvm__rbuf_printf(b, ": %s</title></rect>", t);
        if (isfinite(bars[i].lower) && isfinite(bars[i].upper)) {
            double l = at(&x, bars[i].lower), u = at(&x, bars[i].upper), m = y + row / 2;
            crvm__rbuf_printf(b, "<path class=\"whisker\" d=\"M%.1f %.1fV%.1fM%.1f %.1fH%.1fM%.1f %.1fV%.1f\"/>",
                              l, m - 5, m + 5, l, m, u, u, m - 5, m + 5);
        }
    }
    crvm__rbuf_printf(b, "<line class=\"axis\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>", zero, zero, MT,
                      h - MB);
    axis_labels(b, x_label, y_label, h);
    close_chart(b);
}

void crvm__svg_waterfall(crvm__rbuf *b, const char *id, const char *title, const char *x_label,
                         const char *y_label, const crvm__step *steps, size_t n)
{
    double h = 340, left = 84, right = W - MR, bottom = h - 96;
    double run = 0, lo = 0, hi = 0;
    for (size_t i = 0; i < n; i++) {
        run = steps[i].total ? steps[i].value : run + steps[i].value;
        lo = fmin(lo, run);
        hi = fmax(hi, run);
    }
    scale y = make_scale(lo, hi, bottom, MT, 5);
    open_chart(b, id, title, h);
    y_ticks(b, &y, left, right, 1);
    double slot = (right - left) / (double)(n ? n : 1);
    run = 0;
    for (size_t i = 0; i < n; i++) {
        double from = steps[i].total ? 0 : run, to = steps[i].total ? steps[i].value : run + steps[i].value;
        double x = left + slot * (double)i, top = at(&y, fmax(from, to)), low = at(&y, fmin(from, to));
        const char *cls = steps[i].total ? "bar total" : to >= from ? "bar" : "bar negative";
        char t[32];
        compact(t, sizeof t, steps[i].value, 1);
        crvm__rbuf_printf(b, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"><title>", cls,
                          x + slot * 0.15, top, slot * 0.7, fmax(low - top, 0.5));
        crvm__rbuf_html(b, steps[i].label);
        crvm__rbuf_printf(b, ": %s</title></rect>", t);
        crvm__rbuf_printf(b, "<text class=\"category\" transform=\"translate(%.1f %.1f) rotate(-35)\" "
                             "text-anchor=\"end\">", x + slot / 2, bottom + 14);
        crvm__rbuf_html(b, steps[i].label);
        crvm__rbuf_puts(b, "</text>");
        run = to;
    }
    double zero = at(&y, 0);
    crvm__rbuf_printf(b, "<line class=\"axis\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>", left, right,
                      zero, zero);
    crvm__rbuf_printf(b, "<text class=\"axis-label x\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
                      (left + right) / 2, h - 6);
    crvm__rbuf_html(b, x_label);
    crvm__rbuf_printf(b, "</text><text class=\"axis-label y\" transform=\"translate(14 %.1f) rotate(-90)\" "
                         "text-anchor=\"middle\">", (MT + bottom) / 2);
    crvm__rbuf_html(b, y_label);
    crvm__rbuf_puts(b, "</text>");
    close_chart(b);
}

static void polyline(crvm__rbuf *b, const scale *x, const scale *y, const double *v, size_t len,
                     const char *colour, int dashed)
{
    int open = 0;
    for (size_t i = 0; i < len; i++) {
        if (!isfinite(v[i])) {
            if (open)
                crvm__rbuf_puts(b, "\"/>");
            open = 0;
            continue;
        }
        if (!open)
            crvm__rbuf_printf(b, "<path class=\"curve%s\" stroke=\"%s\" d=\"M", dashed ? " projected" : "", colour);
        else
            crvm__rbuf_puts(b, "L");
        crvm__rbuf_printf(b, "%.1f %.1f", at(x, (double)i), at(y, v[i]));
        open = 1;
    }
    if (open)
        crvm__rbuf_puts(b, "\"/>");
}

void crvm__svg_curves(crvm__rbuf *b, const char *id, const char *title, const char *x_label,
                      const char *y_label, const crvm__series *series, size_t n, size_t len)
{
    double h = 330, left = 64, right = W - MR, bottom = h - MB - 20 * (double)((n + 2) / 3);
    scale x = make_scale(0, len > 1 ? (double)(len - 1) : 1, left, right, 8);
    scale y = {0, 1, bottom, MT, 0.2};
    open_chart(b, id, title, h);
    y_ticks(b, &y, left, right, 0);
    x_ticks(b, &x, MT, bottom, 0);
    for (size_t s = 0; s < n; s++) {
        const char *c = palette[s % PALETTE];
        polyline(b, &x, &y, series[s].dashed, len, c, 1);
        polyline(b, &x, &y, series[s].solid, len, c, 0);
        double lx = left + (right - left) / 3 * (double)(s % 3), ly = bottom + 54 + 18 * (double)(s / 3);
        crvm__rbuf_printf(b, "<path class=\"curve\" stroke=\"%s\" d=\"M%.1f %.1fh22\"/><text class=\"legend\" "
                             "x=\"%.1f\" y=\"%.1f\">", c, lx, ly - 4, lx + 28, ly);
        crvm__rbuf_html(b, series[s].name);
        crvm__rbuf_puts(b, "</text>");
    }
    crvm__rbuf_printf(b, "<text class=\"axis-label x\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
                      (left + right) / 2, bottom + 18 + 14);
    crvm__rbuf_html(b, x_label);
    crvm__rbuf_printf(b, "</text><text class=\"axis-label y\" transform=\"translate(14 %.1f) rotate(-90)\" "
                         "text-anchor=\"middle\">", (MT + bottom) / 2);
    crvm__rbuf_html(b, y_label);
    crvm__rbuf_puts(b, "</text>");
    close_chart(b);
}
