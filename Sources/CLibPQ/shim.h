#ifndef FORGE_CLIBPQ_SHIM_H
#define FORGE_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
