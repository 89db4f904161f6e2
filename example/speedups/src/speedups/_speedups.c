#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

#define ADLER_MOD 65521u
/* Largest n such that 255n(n+1)/2 + (n+1)(MOD-1) fits in 32 bits (same as zlib),
   so the modulo can be deferred to once per block. */
#define ADLER_NMAX 5552

static uint32_t
adler32(const unsigned char *buf, Py_ssize_t len)
{
    uint32_t a = 1, b = 0;

    while (len > 0) {
        Py_ssize_t n = len < ADLER_NMAX ? len : ADLER_NMAX;
        len -= n;
        while (n--) {
            a += *buf++;
            b += a;
        }
        a %= ADLER_MOD;
        b %= ADLER_MOD;
    }
    return (b << 16) | a;
}

static PyObject *
speedups_checksum(PyObject *self, PyObject *arg)
{
    Py_buffer view;
    uint32_t result;

    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    /* The loop touches no Python objects, so other threads may run meanwhile. */
    Py_BEGIN_ALLOW_THREADS
    result = adler32((const unsigned char *)view.buf, view.len);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    return PyLong_FromUnsignedLong(result);
}

static PyObject *
speedups_add(PyObject *self, PyObject *args)
{
    long long a, b;

    if (!PyArg_ParseTuple(args, "LL:add", &a, &b))
        return NULL;
    if ((b > 0 && a > LLONG_MAX - b) || (b < 0 && a < LLONG_MIN - b)) {
        PyErr_SetString(PyExc_OverflowError, "add() result does not fit in 64 bits");
        return NULL;
    }
    return PyLong_FromLongLong(a + b);
}

static PyMethodDef speedups_methods[] = {
    {"checksum", speedups_checksum, METH_O,
     "checksum(data) -> int\n\nAdler-32 of a bytes-like object (same value as zlib.adler32)."},
    {"add", speedups_add, METH_VARARGS,
     "add(a, b) -> int\n\nSum of two 64-bit integers."},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef speedups_module = {
    PyModuleDef_HEAD_INIT,
    "speedups._speedups",
    "C implementation of the speedups helpers.",
    -1,
    speedups_methods
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    return PyModule_Create(&speedups_module);
}
