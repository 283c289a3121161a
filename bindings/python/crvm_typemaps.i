/* Typemaps shared by every area's SWIG declarations.
 *
 * Arrays cross the boundary through the buffer protocol (numpy arrays,
 * array.array, memoryview, bytes): the C function receives a pointer into the
 * caller's memory and the element count, with no copy. The pythonic layer
 * (crvm/_arrays.py) converts lists and pandas objects to contiguous numpy
 * arrays of the right dtype before calling; these typemaps only check, and
 * refuse with a TypeError naming the argument every buffer the C code cannot
 * read as its element type: not C-contiguous, read-only for an output, of
 * another element kind or size, of non-native byte order ('>f8' on a
 * little-endian machine: read as native it is garbage), or misaligned for
 * the element type (a view at an odd byte offset).
 *
 * Handles (CRVM_HANDLE) are owned by their proxy objects: the C free
 * functions are not in the module (a call and then the proxy's own free was
 * a double free), thisown is read-only, and a handle lent by another (a
 * curve of a crvm_km_groups) keeps its owner alive through the proxy's
 * `_owner` attribute and is never freed through its own proxy. Structs whose
 * strings belong to a handle (rejections, load-report rows) are returned
 * with their own copies of those strings.
 *
 * Convention (docs/conventions.md): every array parameter is followed by its
 * element count, so the pair (pointer, size_t) maps to one Python argument. */

%{
#include <stdint.h>
#include <string.h>

/* Map a buffer format character to a kind: 'i' signed integer, 'u' unsigned
 * integer or bool, 'f' floating point; 0 for anything else, and 'x' for an
 * explicit byte order that is not the machine's. */
static char crvm_py_format_kind(const char *format)
{
    if (format == NULL)
        return 'u'; /* plain bytes */
    const unsigned one = 1;
    const char foreign = *(const unsigned char *)&one ? '>' : '<';
    while (*format == '@' || *format == '=' || *format == '<' || *format == '!' || *format == '>') {
        if (*format == foreign || (*format == '!' && foreign == '>'))
            return 'x';
        format++;
    }
    if (format[0] == '\0' || format[1] != '\0')
        return 0;
    switch (format[0]) {
    case 'b': case 'h': case 'i': case 'l': case 'q': case 'n': return 'i';
    case 'B': case 'H': case 'I': case 'L': case 'Q': case 'N': case '?': case 'c': return 'u';
    case 'f': case 'd': return 'f';
    default: return 0;
    }
}

/* Borrow a C-contiguous buffer of elements of the given kind and size. */
static int crvm_py_get_buffer(PyObject *obj, Py_buffer *view, char kind, Py_ssize_t itemsize,
                              int writable, const char *ctype, const char *argname)
{
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, view, flags) != 0) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError,
                     "%s: expected a C-contiguous%s buffer of %s (e.g. a numpy array), got %.200s",
                     argname, writable ? " writable" : "", ctype, Py_TYPE(obj)->tp_name);
        return -1;
    }
    char got = crvm_py_format_kind(view->format);
    if (got == 'x') {
        PyErr_Format(PyExc_TypeError,
                     "%s: expected %s in the machine's byte order, got buffer format '%s' "
                     "(convert with numpy's astype('=%c'))",
                     argname, ctype, view->format, view->format[strlen(view->format) - 1]);
        PyBuffer_Release(view);
        return -1;
    }
    if (view->itemsize != itemsize || got != kind) {
        PyErr_Format(PyExc_TypeError, "%s: expected elements of %s, got buffer format '%s' (%zd bytes)",
                     argname, ctype, view->format ? view->format : "B", view->itemsize);
        PyBuffer_Release(view);
        return -1;
    }
    if ((uintptr_t)view->buf % (uintptr_t)itemsize != 0) {
        PyErr_Format(PyExc_TypeError,
                     "%s: the buffer of %s starts at an address that is not a multiple of %zd "
                     "bytes (a misaligned view): copy it (numpy.ascontiguousarray of a copy)",
                     argname, ctype, itemsize);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

/* ---- an output that shares memory with another array argument ----
 *
 * A C function reads its inputs while it writes its outputs, so an output
 * that overlaps an input (the same array, or a view of the same buffer)
 * silently gives wrong values wherever the function reads an input element
 * after writing over it; two outputs that overlap overwrite each other.
 * Every output array is therefore compared with every other buffer argument
 * of the call (byte ranges: the typemaps take C-contiguous buffers only, so
 * sharing memory is overlapping ranges) and refused with a ValueError naming
 * both. The exception: the functions listed below read each input element
 * before writing the same index of the output and read nothing else of the
 * inputs after that (they compute into a temporary and copy it, or check
 * every row in a first pass and then compute row i from row i alone), so
 * there the output may be one of those inputs itself, the same start and
 * length; a shifted or partial overlap is refused there too. Only a call
 * whose buffers overlap pays more than the comparison (the argument names
 * are then looked up in crvm.lowlevel's wrapper function). */
static const struct {
    const char *func, *out;
} crvm_py_out_may_be_input[] = {
    /* out = P(alive) x G from temporaries, copied at the end (txn.c
     * bgnbd_rows and predict_rows) */
    {"crvm_txn_expected_conditional", "out"},
    {"crvm_txn_log_likelihood", "out"},
    {"crvm_txn_dert", "out"},
    /* rows checked in a first pass, then out[i] from t[i] alone, or
     * through a buffer (lib/retention/predict.c predict_rows) */
    {"crvm_retention_survival", "out"},
    {"crvm_retention_rate", "out"},
    {"crvm_retention_churn_probability", "out"},
};

/* [*lo, *hi) of the bytes obj's buffer spans; 0 when obj is not a buffer
 * or an empty one (nothing to share) */
static int crvm_py_extent(PyObject *obj, const char **lo, const char **hi)
{
    if (obj == Py_None || !PyObject_CheckBuffer(obj))
        return 0;
    Py_buffer v;
    if (PyObject_GetBuffer(obj, &v, PyBUF_RECORDS_RO) != 0) {
        PyErr_Clear(); /* its own typemap reports what is wrong with it */
        return 0;
    }
    const char *a = (const char *)v.buf, *b = a;
    int empty = v.len == 0;
    for (int d = 0; d < v.ndim && !empty; d++) {
        Py_ssize_t step = (v.shape[d] - 1) * (v.strides ? v.strides[d] : v.itemsize);
        if (step < 0)
            a += step;
        else
            b += step;
    }
    if (v.ndim == 0 && !empty)
        b += v.len - v.itemsize;
    *lo = a;
    *hi = b + v.itemsize;
    PyBuffer_Release(&v);
    return !empty;
}

/* The name of argument i of crvm.lowlevel's function func (a new
 * reference), or NULL with no exception */
static PyObject *crvm_py_arg_name(const char *func, size_t i)
{
    PyObject *module = PyImport_ImportModule("crvm.lowlevel");
    PyObject *f = module ? PyObject_GetAttrString(module, func) : NULL;
    PyObject *code = f ? PyObject_GetAttrString(f, "__code__") : NULL;
    PyObject *names = code ? PyObject_GetAttrString(code, "co_varnames") : NULL;
    PyObject *name = names && PyTuple_Check(names) && (Py_ssize_t)i < PyTuple_GET_SIZE(names)
                         ? PyTuple_GET_ITEM(names, (Py_ssize_t)i) : NULL;
    Py_XINCREF(name);
    Py_XDECREF(names);
    Py_XDECREF(code);
    Py_XDECREF(f);
    Py_XDECREF(module);
    PyErr_Clear();
    return name;
}

/* 0, or -1 with a ValueError where the output args[self] (out, its bytes
 * [buf, buf + len)) overlaps another of the call's n_args arguments */
static int crvm_py_check_out_alone(PyObject *const *args, size_t n_args, size_t self,
                                   const char *func, const char *out, const void *buf,
                                   Py_ssize_t len)
{
    const char *lo = (const char *)buf, *hi = lo + len, *olo, *ohi;
    for (size_t i = 0; i < n_args && len > 0; i++) {
        if (i == self || !crvm_py_extent(args[i], &olo, &ohi) || ohi <= lo || olo >= hi)
            continue;
        PyObject *name = crvm_py_arg_name(func, i);
        const char *other = name ? PyUnicode_AsUTF8(name) : NULL;
        int may = 0;
        for (size_t k = 0; k < sizeof crvm_py_out_may_be_input / sizeof *crvm_py_out_may_be_input; k++)
            may |= strcmp(crvm_py_out_may_be_input[k].func, func) == 0 &&
                   strcmp(crvm_py_out_may_be_input[k].out, out) == 0;
        /* an input: a const array of the C function, i.e. not an output;
         * the listed functions have one output each */
        if (may && olo == lo && ohi == hi) {
            Py_XDECREF(name);
            continue;
        }
        char argn[32];
        snprintf(argn, sizeof argn, "argument %zu", i + 1);
        PyErr_Clear();
        PyErr_Format(PyExc_ValueError,
                     may ? "%s: %s overlaps %s without being that array itself: it may be the "
                           "same array as the input, but not a shifted or partial view of it"
                         : "%s: %s shares memory with %s: the function would read values it "
                           "has already overwritten; pass a separate output array",
                     func, out, other ? other : argn);
        Py_XDECREF(name);
        return -1;
    }
    return 0;
}

/* A malloc'ed block holding a copy of the struct *src (size bytes) followed
 * by copies of the strings that its char-pointer members at offsets[] point
 * to, each member re-pointed at its copy: SWIG frees a struct proxy with one
 * free(), which then releases the strings too. NULL when out of memory. */
static void *crvm_py_copy_with_strings(const void *src, size_t size, const size_t *offsets,
                                       size_t n)
{
    size_t total = size;
    for (size_t i = 0; i < n; i++) {
        const char *s = *(const char *const *)((const char *)src + offsets[i]);
        total += (s ? strlen(s) : 0) + 1;
    }
    char *block = (char *)malloc(total);
    if (block == NULL)
        return NULL;
    memcpy(block, src, size);
    char *p = block + size;
    for (size_t i = 0; i < n; i++) {
        const char *s = *(const char *const *)((const char *)src + offsets[i]);
        size_t len = s ? strlen(s) : 0;
        memcpy(p, s ? s : "", len + 1);
        memcpy(block + offsets[i], &p, sizeof p);
        p += len + 1;
    }
    return block;
}

/* Raise the crvm.Error subclass for a status, carrying the library's message. */
static void crvm_py_raise(crvm_status status)
{
    const char *message = crvm_last_error();
    if (message == NULL || message[0] == '\0')
        message = crvm_status_str(status);
    PyObject *module = PyImport_ImportModule("crvm.errors");
    PyObject *cls = NULL;
    if (module != NULL) {
        cls = PyObject_CallMethod(module, "error_class", "i", (int)status);
        Py_DECREF(module);
    }
    if (cls == NULL) {
        PyErr_Clear();
        PyErr_Format(PyExc_RuntimeError, "crvm error %d: %s", (int)status, message);
        return;
    }
    PyErr_SetString(cls, message);
    Py_DECREF(cls);
}
%}

/* A crvm_status return becomes None on success (outputs are appended by the
 * argout typemaps) and an exception otherwise. */
%typemap(out) crvm_status {
    if ($1 != CRVM_OK) {
        crvm_py_raise($1);
        SWIG_fail;
    }
    $result = SWIG_Py_Void();
}

/* Input and output arrays of each element type. */
%define CRVM_ARRAY_TYPEMAPS(CTYPE, KIND)
%typemap(in) (const CTYPE *IN_ARRAY, size_t IN_LEN) (Py_buffer view, int have_view = 0) {
    if ($input == Py_None) {
        $1 = NULL;
        $2 = 0;
    } else {
        if (crvm_py_get_buffer($input, &view, KIND, (Py_ssize_t)sizeof(CTYPE), 0, "CTYPE", "$1_name") != 0)
            SWIG_fail;
        have_view = 1;
        $1 = ($1_ltype)view.buf;
        $2 = (size_t)(view.len / (Py_ssize_t)sizeof(CTYPE));
    }
}
%typemap(freearg) (const CTYPE *IN_ARRAY, size_t IN_LEN) {
    if (have_view$argnum)
        PyBuffer_Release(&view$argnum);
}
%typemap(typecheck, precedence=SWIG_TYPECHECK_POINTER) (const CTYPE *IN_ARRAY, size_t IN_LEN) {
    $1 = ($input == Py_None || PyObject_CheckBuffer($input)) ? 1 : 0;
}
%typemap(in) (CTYPE *OUT_ARRAY, size_t OUT_LEN) (Py_buffer view, int have_view = 0) {
    if (crvm_py_get_buffer($input, &view, KIND, (Py_ssize_t)sizeof(CTYPE), 1, "CTYPE", "$1_name") != 0)
        SWIG_fail;
    have_view = 1;
    /* swig_obj: the wrapper's array of the call's Python arguments (SWIG's
     * tuple unpacking); $input is one of them */
    if (crvm_py_check_out_alone(swig_obj, sizeof swig_obj / sizeof *swig_obj,
                                (size_t)(&$input - swig_obj), "$symname", "$1_name", view.buf,
                                view.len) != 0)
        SWIG_fail;
    $1 = ($1_ltype)view.buf;
    $2 = (size_t)(view.len / (Py_ssize_t)sizeof(CTYPE));
}
%typemap(freearg) (CTYPE *OUT_ARRAY, size_t OUT_LEN) {
    if (have_view$argnum)
        PyBuffer_Release(&view$argnum);
}
%typemap(typecheck, precedence=SWIG_TYPECHECK_POINTER) (CTYPE *OUT_ARRAY, size_t OUT_LEN) {
    $1 = PyObject_CheckBuffer($input) ? 1 : 0;
}
%enddef

CRVM_ARRAY_TYPEMAPS(double, 'f')
CRVM_ARRAY_TYPEMAPS(int32_t, 'i')
CRVM_ARRAY_TYPEMAPS(int64_t, 'i')
CRVM_ARRAY_TYPEMAPS(uint8_t, 'u')

/* A column of strings: any Python sequence of str (UTF-8 encoded on the way
 * in), or None for (NULL, 0). The pointers are valid for the call only. */
%typemap(in) (const char *const *IN_STRINGS, size_t IN_LEN) (PyObject *seq = NULL, const char **items = NULL) {
    if ($input == Py_None) {
        $1 = NULL;
        $2 = 0;
    } else {
        seq = PySequence_Fast($input, "$1_name: expected a sequence of str");
        if (seq == NULL)
            SWIG_fail;
        Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
        items = (const char **)PyMem_Malloc((size_t)(n > 0 ? n : 1) * sizeof *items);
        if (items == NULL) {
            PyErr_NoMemory();
            SWIG_fail;
        }
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *item = PySequence_Fast_GET_ITEM(seq, i);
            Py_ssize_t len = 0;
            if (!PyUnicode_Check(item)) {
                PyErr_Format(PyExc_TypeError, "$1_name[%zd]: expected str, got %.200s", i,
                             Py_TYPE(item)->tp_name);
                SWIG_fail;
            }
            items[i] = PyUnicode_AsUTF8AndSize(item, &len);
            if (items[i] == NULL)
                SWIG_fail;
            if ((size_t)len != strlen(items[i])) {
                PyErr_Format(PyExc_ValueError, "$1_name[%zd]: embedded NUL character", i);
                SWIG_fail;
            }
        }
        $1 = ($1_ltype)items;
        $2 = (size_t)n;
    }
}
%typemap(freearg) (const char *const *IN_STRINGS, size_t IN_LEN) {
    PyMem_Free((void *)items$argnum);
    Py_XDECREF(seq$argnum);
}
%typemap(typecheck, precedence=SWIG_TYPECHECK_STRING_ARRAY) (const char *const *IN_STRINGS, size_t IN_LEN) {
    $1 = ($input == Py_None || PySequence_Check($input)) ? 1 : 0;
}

/* A text given as pointer + length: a str (passed as UTF-8) or any bytes-like
 * buffer, embedded NULs included (the C function judges them). */
%typemap(in) (const char *IN_TEXT, size_t IN_LEN) (Py_buffer view, int have_view = 0) {
    if (PyUnicode_Check($input)) {
        Py_ssize_t len = 0;
        $1 = ($1_ltype)PyUnicode_AsUTF8AndSize($input, &len);
        if ($1 == NULL)
            SWIG_fail;
        $2 = (size_t)len;
    } else {
        if (PyObject_GetBuffer($input, &view, PyBUF_C_CONTIGUOUS) != 0) {
            PyErr_Clear();
            PyErr_Format(PyExc_TypeError, "$1_name: expected str or bytes, got %.200s",
                         Py_TYPE($input)->tp_name);
            SWIG_fail;
        }
        have_view = 1;
        $1 = ($1_ltype)view.buf;
        $2 = (size_t)view.len;
    }
}
%typemap(freearg) (const char *IN_TEXT, size_t IN_LEN) {
    if (have_view$argnum)
        PyBuffer_Release(&view$argnum);
}
%define CRVM_IN_TEXT(NAME, LEN)
%apply (const char *IN_TEXT, size_t IN_LEN) { (const char *NAME, size_t LEN) }
%enddef

/* An opaque handle type with its free function: SWIG gives it a proxy class
 * that owns the C object, and `TYPE **` out-parameters become return values.
 * The free function itself is left out of the module, and ownership cannot
 * be handed over from Python: the proxy is the only way to free. */
%define CRVM_HANDLE(TYPE, FREE)
%nodefaultctor TYPE;
%ignore FREE;
struct TYPE {};
%extend TYPE {
    ~TYPE() { FREE($self); }
    %pythoncode %{
        thisown = property(lambda self: self.this.own(),
                           doc="1 if this proxy frees the object (read-only: crvm handles are "
                               "freed by their owning proxy only)")
    %}
}
%typemap(in, numinputs=0) TYPE ** (TYPE *created = NULL) {
    $1 = &created;
}
%typemap(argout) TYPE ** {
    $result = SWIG_Python_AppendOutput($result,
        SWIG_NewPointerObj(SWIG_as_voidptr(*$1), $*1_descriptor, SWIG_POINTER_OWN));
}
%enddef

/* A struct that a call fills through `TYPE *NAME` and whose strings belong to
 * the handle it came from (the list or report may be cleared, grown or freed
 * later): the call returns a proxy of its own copy, strings included (the
 * members given as offsetof(TYPE, member) in the braces of OFFSETS). */
%define CRVM_OUT_STRUCT_COPY(TYPE, NAME, OFFSETS)
%typemap(in, numinputs=0) TYPE *NAME (TYPE filled) {
    memset(&filled, 0, sizeof filled);
    $1 = &filled;
}
%typemap(argout) TYPE *NAME {
    static const size_t offsets[] = OFFSETS;
    void *copy = crvm_py_copy_with_strings($1, sizeof(TYPE), offsets, sizeof offsets / sizeof *offsets);
    if (copy == NULL) {
        PyErr_NoMemory();
        SWIG_fail;
    }
    $result = SWIG_Python_AppendOutput($result, SWIG_NewPointerObj(copy, $1_descriptor, SWIG_POINTER_OWN));
}
%enddef

%define CRVM_IN_ARRAY(CTYPE, NAME)
%apply (const CTYPE *IN_ARRAY, size_t IN_LEN) { (const CTYPE *NAME, size_t NAME##_len) }
%enddef
%define CRVM_OUT_ARRAY(CTYPE, NAME)
%apply (CTYPE *OUT_ARRAY, size_t OUT_LEN) { (CTYPE *NAME, size_t NAME##_len) }
%enddef
%define CRVM_IN_STRINGS(NAME)
%apply (const char *const *IN_STRINGS, size_t IN_LEN) { (const char *const *NAME, size_t NAME##_len) }
%enddef
