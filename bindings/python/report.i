/* report.h: the value report. The pythonic method is crvm.ValueModel.report
 * (crvm/value.py). The title is a borrowed string: Python passes it to the
 * wrappers below, which set it on a copy of the options for the call. */
%immutable crvm_report_options::title;
%ignore crvm_report_render;
%ignore crvm_report_write;
%ignore crvm_report_write_stream;

%include "crvm/report.h"

/* Render into a buffer sized by a first call, without the GIL, and return the
 * text as a str. It builds a Python object: it holds the GIL itself. */
%nothread crvm_py_report_render;
%inline %{
PyObject *crvm_py_report_render(const crvm_value *value, const crvm_ledger *ledger,
                                const crvm_cost_model *costs, const crvm_report_options *options,
                                const char *title)
{
    crvm_report_options o;
    crvm_report_options_init(&o);
    if (options)
        o = *options;
    o.title = title;
    size_t length = 0;
    char *text = NULL;
    crvm_status st;
    Py_BEGIN_ALLOW_THREADS
    st = crvm_report_render(value, ledger, costs, &o, NULL, 0, &length);
    if (st == CRVM_OK && (text = (char *)malloc(length + 1)) == NULL)
        st = CRVM_ENOMEM;
    if (st == CRVM_OK)
        st = crvm_report_render(value, ledger, costs, &o, text, length + 1, &length);
    Py_END_ALLOW_THREADS
    if (st != CRVM_OK) {
        free(text);
        if (st == CRVM_ENOMEM && text == NULL)
            return PyErr_NoMemory();
        crvm_py_raise(st);
        return NULL;
    }
    PyObject *s = PyUnicode_DecodeUTF8(text, (Py_ssize_t)length, "replace");
    free(text);
    return s;
}

crvm_status crvm_py_report_write(const crvm_value *value, const crvm_ledger *ledger,
                                 const crvm_cost_model *costs, const crvm_report_options *options,
                                 const char *title, const char *path)
{
    crvm_report_options o;
    crvm_report_options_init(&o);
    if (options)
        o = *options;
    o.title = title;
    return crvm_report_write(value, ledger, costs, &o, path);
}
%}
