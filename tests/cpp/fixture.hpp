// C++ test helpers: a temporary directory, fixture recordings whose value at
// (observation s, channel c) is computed from both, and checks.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "neurobatch.hpp"

#ifdef _WIN32
#include <direct.h>
#include <io.h>
#endif

namespace fx {

inline int failures = 0;

#define FX_CHECK(cond)                                                                  \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::cerr << __FILE__ << ":" << __LINE__ << ": check failed: " #cond << std::endl; \
      fx::failures++;                                                                   \
    }                                                                                   \
  } while (0)

/// `expr` must throw neurobatch::Error with `status`.
#define FX_THROWS(expr, want)                                                                      \
  do {                                                                                             \
    try {                                                                                          \
      expr;                                                                                        \
      std::cerr << __FILE__ << ":" << __LINE__ << ": no exception from " #expr << std::endl;       \
      fx::failures++;                                                                              \
    } catch (const neurobatch::Error &e) {                                                         \
      if (e.status() != (want)) {                                                                  \
        std::cerr << __FILE__ << ":" << __LINE__ << ": status " << e.status() << " (" << e.what()  \
                  << "), expected " << (want) << std::endl;                                        \
        fx::failures++;                                                                            \
      }                                                                                            \
    }                                                                                              \
  } while (0)

#ifdef _WIN32
// MinGW has no mkdtemp: a unique name from _mktemp, then the directory.
inline char *mkdtemp(char *tmpl) { return _mktemp(tmpl) && _mkdir(tmpl) == 0 ? tmpl : nullptr; }
#endif

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "nbcpp-XXXXXX").string();
    if (!mkdtemp(&tmpl[0])) std::abort();
    path = tmpl;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string operator/(const std::string &name) const { return (path / name).string(); }
};

inline int64_t value(std::size_t n_ch, uint64_t s, std::size_t c, int64_t modulus = 32749) {
  return static_cast<int64_t>((s * n_ch + c) % static_cast<uint64_t>(modulus));
}

/// Writes an n_obs x n_ch fixture of T in `order`, and its sidecar.
template <class T>
std::string write_fixture(const TempDir &dir, const std::string &name, std::size_t n_ch, uint64_t n_obs, nb_data_order order) {
  std::vector<T> v(n_ch * n_obs);
  for (uint64_t s = 0; s < n_obs; s++)
    for (std::size_t c = 0; c < n_ch; c++)
      v[order == NB_DATA_ORDER_SAMPLES ? s * n_ch + c : c * n_obs + s] = static_cast<T>(value(n_ch, s, c));
  std::string path = dir / name;
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char *>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(T)));
  char yaml[1024];
  nb_sidecar_path(path.c_str(), yaml, sizeof yaml, nullptr);
  std::ofstream(yaml) << "data_order: " << (order == NB_DATA_ORDER_SAMPLES ? "samples" : "channels")
                      << "\ndtype: " << nb_dtype_name(neurobatch::dtype_of_v<T>) << "\nn_channels: " << n_ch << "\n";
  return path;
}

inline std::string read_text(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

template <class T> std::vector<T> read_values(const std::string &path) {
  std::string bytes = read_text(path);
  std::vector<T> v(bytes.size() / sizeof(T));
  std::memcpy(v.data(), bytes.data(), v.size() * sizeof(T));
  return v;
}

inline int finish(const char *name) {
  std::cout << name << ": " << (failures ? "FAILED" : "ok") << " (" << failures << " failed checks)" << std::endl;
  return failures ? 1 : 0;
}

}  // namespace fx
