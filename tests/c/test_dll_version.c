/* Windows: neurobatch.dll carries its version, as a Linux library carries
 * its SONAME (checked by install_and_consume): the VERSIONINFO resource's
 * file and product versions and its ABIVersion string match the header the
 * program was compiled with and the library's own answers. */
#include "fixture.h"

#include <windows.h>

/* A string of the resource's US English / Unicode block. */
static const char *version_string(void *info, const char *name) {
  char key[128];
  snprintf(key, sizeof key, "\\StringFileInfo\\040904B0\\%s", name);
  char *value = NULL;
  UINT len = 0;
  return VerQueryValueA(info, key, (void **)&value, &len) && len > 0 ? value : "(missing)";
}

int main(void) {
  NBT_CHECK(strcmp(nb_version_string(), NB_VERSION_STRING) == 0);
  NBT_CHECK(nb_abi_version() == NB_ABI_VERSION);
  HMODULE dll = GetModuleHandleA("neurobatch.dll");
  NBT_CHECK(dll != NULL);
  char path[MAX_PATH];
  NBT_CHECK(GetModuleFileNameA(dll, path, sizeof path) > 0);
  DWORD size = GetFileVersionInfoSizeA(path, NULL);
  NBT_CHECK(size > 0);
  void *info = malloc(size ? size : 1);
  NBT_CHECK(GetFileVersionInfoA(path, 0, size, info));

  VS_FIXEDFILEINFO *fixed = NULL;
  UINT len = 0;
  NBT_CHECK(VerQueryValueA(info, "\\", (void **)&fixed, &len) && fixed);
  if (fixed) {
    NBT_CHECK(HIWORD(fixed->dwFileVersionMS) == NB_VERSION_MAJOR && LOWORD(fixed->dwFileVersionMS) == NB_VERSION_MINOR);
    NBT_CHECK(HIWORD(fixed->dwFileVersionLS) == NB_VERSION_PATCH);
    NBT_CHECK(fixed->dwProductVersionMS == fixed->dwFileVersionMS && fixed->dwProductVersionLS == fixed->dwFileVersionLS);
    NBT_CHECK(fixed->dwFileType == VFT_DLL);
  }
  char abi[16];
  snprintf(abi, sizeof abi, "%d", NB_ABI_VERSION);
  NBT_CHECK(strcmp(version_string(info, "FileVersion"), NB_VERSION_STRING) == 0);
  NBT_CHECK(strcmp(version_string(info, "ProductVersion"), NB_VERSION_STRING) == 0);
  NBT_CHECK(strcmp(version_string(info, "ABIVersion"), abi) == 0);
  NBT_CHECK(strcmp(version_string(info, "OriginalFilename"), "neurobatch.dll") == 0);
  printf("%s: version %s, ABI %s (%s)\n", path, version_string(info, "FileVersion"), version_string(info, "ABIVersion"),
         version_string(info, "FileDescription"));
  free(info);
  return nbt_finish("test_dll_version");
}
