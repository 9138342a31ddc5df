/* Test-environment shim, never shipped: Rust's standard library (1.78 on)
 * takes its random seeds from ProcessPrng in bcryptprimitives.dll, which
 * every supported Windows (10 and later) has but Wine before 9.0 (Debian 12
 * ships 8.0) does not. scripts/test-windows.sh builds this into the Wine
 * prefix it tests in, so Rust programs and neurobatch.dll load there.
 * ProcessPrng is answered with RtlGenRandom (advapi32's SystemFunction036),
 * the system generator Rust used before. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!SystemFunction036(data, n))
            return FALSE;
        data += n;
        len -= n;
    }
    return TRUE;
}
