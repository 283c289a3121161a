/* model_io.h: fitted models as text (crvm/model_io.h). Included after the
 * areas that declare the model handles. The pythonic layer is
 * crvm/_persist.py: pickle, deepcopy, save and load go through these calls.
 *
 * to_text takes None (asks for the length) or a writable bytes-like buffer
 * (a bytearray of length + 1) and returns the length. */
%typemap(in) (char *text, size_t text_len) (Py_buffer view, int have_view = 0) {
    if ($input == Py_None) {
        $1 = NULL;
        $2 = 0;
    } else {
        if (crvm_py_get_buffer($input, &view, 'u', 1, 1, "char", "text") != 0)
            SWIG_fail;
        have_view = 1;
        $1 = (char *)view.buf;
        $2 = (size_t)view.len;
    }
}
%typemap(freearg) (char *text, size_t text_len) {
    if (have_view$argnum)
        PyBuffer_Release(&view$argnum);
}
%apply (const uint8_t *IN_ARRAY, size_t IN_LEN) { (const char *text, size_t text_len) }
%apply size_t *OUTPUT { size_t *length };
%apply int *OUTPUT { crvm_model_kind *kind };
%include "crvm/model_io.h"
