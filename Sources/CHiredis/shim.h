#ifndef FORGE_CHIREDIS_SHIM_H
#define FORGE_CHIREDIS_SHIM_H
// hiredis 0.14 (Debian bookworm): only the non-variadic entry points are usable from Swift.
#include <hiredis/hiredis.h>
#endif
