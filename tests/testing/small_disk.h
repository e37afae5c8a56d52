// SmallDisk: a file system of its own for a test, small enough to fill (a tmpfs). Mounting needs
// root, as CI has; tests skip without it. Unmounted when it goes out of scope.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace aw::testing {

class SmallDisk {
 public:
  SmallDisk(const std::string& path, int megabytes) : path_(path) {
    std::filesystem::create_directories(path);
    std::string mount =
        "mount -t tmpfs -o size=" + std::to_string(megabytes) + "m tmpfs " + path + " 2>/dev/null";
    mounted_ = std::system(mount.c_str()) == 0;
  }
  ~SmallDisk() {
    if (mounted_ && std::system(("umount -l " + path_).c_str()) != 0) {
      std::fprintf(stderr, "SmallDisk: could not unmount %s\n", path_.c_str());
    }
  }
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;

  bool mounted() const { return mounted_; }
  const std::string& path() const { return path_; }
  // Writes the file `name` until the file system refuses more; returns the bytes written.
  size_t fill(const std::string& name) const {
    std::FILE* file = std::fopen((path_ + "/" + name).c_str(), "wb");
    if (file == nullptr) return 0;
    std::vector<char> chunk(1 << 20, 'x');
    size_t written = 0;
    for (size_t size = chunk.size(); size >= 512; size /= 2) {
      while (std::fwrite(chunk.data(), 1, size, file) == size && std::fflush(file) == 0) {
        written += size;
      }
      std::clearerr(file);
    }
    std::fclose(file);
    return written;
  }
  void free(const std::string& name) const { std::filesystem::remove(path_ + "/" + name); }

 private:
  std::string path_;
  bool mounted_ = false;
};

}  // namespace aw::testing
