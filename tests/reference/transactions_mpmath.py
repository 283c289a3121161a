"""Reference values for tests/unit/test_transactions.c, computed with mpmath
(50 significant digits) from the closed forms in the papers, independently of
crvm's own formulation (crvm uses quadrature / summed forms instead of the
2F1 and Tricomi-U closed forms evaluated here).

Run: python3 tests/reference/transactions_mpmath.py   (mpmath 1.3.0)

Formulas:
  BG/NBD   LL: Fader, Hardie & Lee (2005) eq. 6; P(alive): FHL 2008 note
           "Computing P(alive) using the BG/NBD model"; E[Y(t)|x,t_x,T]: FHL 2005 eq. 10.
  Pareto/NBD LL: Fader & Hardie (2005) note on the Pareto/NBD, eqs. with A_0
           (both 2F1 branches, which agree); P(alive) and E[Y(t)|...]:
           Schmittlein, Morrison & Colombo (1987) / the same note.
           DERT: Fader, Hardie & Lee (2005) "RFM and CLV" eq. 2 (Tricomi U).
  BG/BB    DERT: Fader, Hardie & Shang (2010) eq. 14.
  BG/NBD, MBG/NBD DERT (no closed form): double integral of the definition,
           P(alive) E[lambda / (delta + lambda p)] over the posterior Gamma x Beta.
  BG/BB    E[X(n)]: FHS 2010 eq. 7.
"""
import mpmath as mp

mp.mp.dps = 50


def bgnbd_ll(r, al, a, b, x, tx, T):
    r, al, a, b, x, tx, T = map(mp.mpf, (r, al, a, b, x, tx, T))
    A = mp.gamma(r + x) * al**r / mp.gamma(r)
    t1 = mp.beta(a, b + x) / mp.beta(a, b) / (al + T) ** (r + x)
    t2 = mp.beta(a + 1, b + x - 1) / mp.beta(a, b) / (al + tx) ** (r + x) if x > 0 else 0
    return mp.log(A * (t1 + t2))


def bgnbd_palive(r, al, a, b, x, tx, T):
    r, al, a, b, x, tx, T = map(mp.mpf, (r, al, a, b, x, tx, T))
    if x == 0:
        return mp.mpf(1)
    return 1 / (1 + a / (b + x - 1) * ((al + T) / (al + tx)) ** (r + x))


def bgnbd_cond(r, al, a, b, x, tx, T, t):
    r, al, a, b, x, tx, T, t = map(mp.mpf, (r, al, a, b, x, tx, T, t))
    if a == 1:  # the closed form is 0/0: take the limit numerically at high precision
        with mp.workdps(120):
            return (bgnbd_cond(r, al, a + mp.mpf('1e-40'), b, x, tx, T, t)
                    + bgnbd_cond(r, al, a - mp.mpf('1e-40'), b, x, tx, T, t)) / 2
    z = t / (al + T + t)
    h = mp.hyp2f1(r + x, b + x, a + b + x - 1, z)
    num = (a + b + x - 1) / (a - 1) * (1 - ((al + T) / (al + T + t)) ** (r + x) * h)
    return num * bgnbd_palive(r, al, a, b, x, tx, T)


def pnbd_A0(r, al, s, be, x, tx, T):
    if al >= be:
        f = lambda u: mp.hyp2f1(r + s + x, s + 1, r + s + x + 1, (al - be) / (al + u)) / (al + u) ** (r + s + x)
    else:
        f = lambda u: mp.hyp2f1(r + s + x, r + x, r + s + x + 1, (be - al) / (be + u)) / (be + u) ** (r + s + x)
    return f(tx) - f(T)


def pnbd_ll(r, al, s, be, x, tx, T):
    r, al, s, be, x, tx, T = map(mp.mpf, (r, al, s, be, x, tx, T))
    c = mp.gamma(r + x) * al**r * be**s / mp.gamma(r)
    first = 1 / ((al + T) ** (r + x) * (be + T) ** s)
    return mp.log(c * (first + s / (r + s + x) * pnbd_A0(r, al, s, be, x, tx, T)))


def pnbd_palive(r, al, s, be, x, tx, T):
    r, al, s, be, x, tx, T = map(mp.mpf, (r, al, s, be, x, tx, T))
    first = 1 / ((al + T) ** (r + x) * (be + T) ** s)
    return first / (first + s / (r + s + x) * pnbd_A0(r, al, s, be, x, tx, T))


def pnbd_cond(r, al, s, be, x, tx, T, t):
    r, al, s, be, x, tx, T, t = map(mp.mpf, (r, al, s, be, x, tx, T, t))
    pa = pnbd_palive(r, al, s, be, x, tx, T)
    return pa * (r + x) * (be + T) / ((al + T) * (s - 1)) * (1 - ((be + T) / (be + T + t)) ** (s - 1))


def pnbd_dert(r, al, s, be, x, tx, T, delta):
    r, al, s, be, x, tx, T, delta = map(mp.mpf, (r, al, s, be, x, tx, T, delta))
    L = mp.exp(pnbd_ll(r, al, s, be, x, tx, T))
    return (al**r * be**s * delta ** (s - 1) * mp.gamma(r + x + 1) * mp.hyperu(s, s, delta * (be + T))
            / (mp.gamma(r) * (al + T) ** (r + x + 1) * L))


def bgbb_ll(al, be, ga, de, x, tx, n):
    al, be, ga, de = map(mp.mpf, (al, be, ga, de))
    L = mp.beta(al + x, be + n - x) / mp.beta(al, be) * mp.beta(ga, de + n) / mp.beta(ga, de)
    for i in range(0, int(n - tx)):
        L += mp.beta(al + x, be + tx - x + i) / mp.beta(al, be) * mp.beta(ga + 1, de + tx + i) / mp.beta(ga, de)
    return L


def bgbb_dert(al, be, ga, de, x, tx, n, d):
    al, be, ga, de, d = map(mp.mpf, (al, be, ga, de, d))
    L = bgbb_ll(al, be, ga, de, x, tx, n)
    return (mp.beta(al + x + 1, be + n - x) / mp.beta(al, be) * mp.beta(ga, de + n + 1) / (mp.beta(ga, de) * (1 + d))
            * mp.hyp2f1(1, de + n + 1, ga + de + n + 1, 1 / (1 + d)) / L)


def show(label, v):
    print(f"{label:60s} {mp.nstr(v, 17)}")


BG = (0.243, 4.414, 0.793, 2.426)
PN = (0.553, 10.578, 0.606, 11.669)
cases_bg = [
    ("BG/NBD CDNOW x=2 t_x=30.43 T=38.86 t=39", BG, (2, 30.43, 38.86), 39),
    ("BG/NBD x=500 t_x=T=38.86 t=39", BG, (500, 38.86, 38.86), 39),
    ("BG/NBD x=500 t_x=20 T=38.86 t=39", BG, (500, 20, 38.86), 39),
    ("BG/NBD tiny alpha=1e-6 x=3 t_x=20 T=39 t=10", (0.243, 1e-6, 0.793, 2.426), (3, 20, 39), 10),
    ("BG/NBD a=1 x=4 t_x=30 T=39 t=52", (0.243, 4.414, 1.0, 2.426), (4, 30, 39), 52),
    ("BG/NBD large T x=40 t_x=4000 T=5000 t=365", BG, (40, 4000, 5000), 365),
]
for label, p, row, t in cases_bg:
    show(label + " LL", bgnbd_ll(*p, *row))
    show(label + " P(alive)", bgnbd_palive(*p, *row))
    show(label + " E[Y(t)]", bgnbd_cond(*p, *row, t))

cases_pn = [
    ("Pareto/NBD CDNOW x=2 t_x=30.43 T=38.86 t=39", PN, (2, 30.43, 38.86), 39),
    ("Pareto/NBD x=0 T=38.86 t=39", PN, (0, 0, 38.86), 39),
    ("Pareto/NBD alpha=beta x=2 t_x=30.43 T=38.86 t=39", (0.553, 10.578, 0.606, 10.578), (2, 30.43, 38.86), 39),
    ("Pareto/NBD beta=alpha+1e-11 x=2 t_x=30.43 T=38.86 t=39", (0.553, 10.578, 0.606, 10.578 + 1e-11), (2, 30.43, 38.86), 39),
    ("Pareto/NBD x=500 t_x=T=38.86 t=39", PN, (500, 38.86, 38.86), 39),
    ("Pareto/NBD x=500 t_x=30 T=38.86 t=39", PN, (500, 30, 38.86), 39),
    ("Pareto/NBD beta tiny 1e-4 x=3 t_x=10 T=39 t=39", (0.553, 10.578, 0.606, 1e-4), (3, 10, 39), 39),
    ("Pareto/NBD large T x=40 t_x=4000 T=5000 t=365", PN, (40, 4000, 5000), 365),
]
for label, p, row, t in cases_pn:
    show(label + " LL", pnbd_ll(*p, *row))
    show(label + " P(alive)", pnbd_palive(*p, *row))
    show(label + " E[Y(t)]", pnbd_cond(*p, *row, t))

show("Pareto/NBD DERT delta=0.0027 x=2 t_x=30.43 T=38.86", pnbd_dert(*PN, 2, 30.43, 38.86, 0.0027))
show("Pareto/NBD DERT delta=0.1 x=0 T=38.86", pnbd_dert(*PN, 0, 0, 38.86, 0.1))
show("Pareto/NBD DERT delta=0.0027 s=2.5 x=5 t_x=20 T=38.86", pnbd_dert(0.553, 10.578, 2.5, 11.669, 5, 20, 38.86, 0.0027))
BB = (1.204, 0.750, 0.657, 2.783)
show("BG/BB DERT d=0.1 x=3 t_x=5 n=6", bgbb_dert(*BB, 3, 5, 6, 0.1))
show("BG/BB DERT d=0.01 x=0 t_x=0 n=6", bgbb_dert(*BB, 0, 0, 6, 0.01))


def bgbb_expected(al, be, ga, de, n):
    """FHS 2010 eq. 7."""
    al, be, ga, de, n = map(mp.mpf, (al, be, ga, de, n))
    return al / (al + be) * de / (ga - 1) * (1 - mp.gamma(ga + de) / mp.gamma(ga + de + n) * mp.gamma(1 + de + n) / mp.gamma(1 + de))


show("BG/BB E[X(6)]", bgbb_expected(*BB, 6))
show("BG/BB E[X(1000)]", bgbb_expected(*BB, 1000))


def bgnbd_dert(r, al, a, b, x, tx, T, delta, modified=False):
    """DERT for BG/NBD (MBG/NBD) from its definition: given alive,
    lambda ~ Gamma(r+x, al+T), p ~ Beta(a, b+x) (MBG: b+x+1), and future
    transactions arrive at rate lambda until dropout (probability p after each),
    so DERT = P(alive) E[ int_0^inf e^(-delta t) lambda e^(-lambda p t) dt ]
            = P(alive) E[ lambda / (delta + lambda p) ]   (double integral)."""
    mp.mp.dps = 30
    r, al, a, b, x, tx, T, delta = map(mp.mpf, (r, al, a, b, x, tx, T, delta))
    k, A = r + x, al + T
    B = b + x + (1 if modified else 0)
    if modified:
        pa = 1 / (1 + a / (b + x) * ((al + T) / (al + tx)) ** (r + x))
    else:
        pa = bgnbd_palive(r, al, a, b, x, tx, T)

    def inner(p):  # E over lambda, in closed form by mpmath quad
        f = lambda lam: lam / (delta + lam * p) * A**k * lam ** (k - 1) * mp.exp(-A * lam) / mp.gamma(k)
        return mp.quad(f, [0, k / A, 10 * k / A + 1, mp.inf])

    dens = lambda p: p ** (a - 1) * (1 - p) ** (B - 1) / mp.beta(a, B)
    val = mp.quad(lambda p: dens(p) * inner(p), [0, mp.mpf(1) / 2, 1])
    mp.mp.dps = 50
    return pa * val


show("BG/NBD DERT delta=0.0027 x=2 t_x=30.43 T=38.86", bgnbd_dert(*BG, 2, 30.43, 38.86, 0.0027))
show("BG/NBD DERT delta=0.05 x=0 T=38.86", bgnbd_dert(*BG, 0, 0, 38.86, 0.05))
show("MBG/NBD DERT delta=0.01 x=5 t_x=20 T=38.86", bgnbd_dert(0.525, 6.183, 0.891, 1.614, 5, 20, 38.86, 0.01, True))
