// A stand-in libxrt_coreutil for testing Kiln's fpga-xrt path without a board: the XRT C API functions
// that dev.kiln.bind.xrt.Xrt binds, with buffer objects in host memory and xrtKernelRun calling the
// mm2im_xrt kernel's C simulation. It exercises the real FFM bindings (including the variadic
// xrtKernelRun), XrtPort and the memory-mapped top. It is not XRT: it models no device timing, and it
// accepts any file with the xclbin magic.
//
// Built by FpgaXrtOverFakeXrtTest into a temporary libxrt_coreutil.so.2:
//   g++ -O2 -shared -fPIC -DKILN_HLS_STANDIN -Ihls/mm2im -Ihls/include hls/tb/fake_xrt.cpp \
//       hls/mm2im/mm2im.cpp hls/mm2im/mm2im_xrt.cpp -o libxrt_coreutil.so.2
#include <cerrno>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "mm2im.h"

namespace {
struct Device { bool loaded; };
struct Kernel { Device* device; };
struct Bo { unsigned char* data; size_t size; };
struct Run { int state; };
constexpr int ERT_CMD_STATE_COMPLETED = 4;
}  // namespace

extern "C" {

void* xrtDeviceOpen(unsigned int index) {
    if (index != 0) {
        errno = ENODEV;
        return nullptr;
    }
    return new Device{false};
}

int xrtDeviceClose(void* d) {
    delete static_cast<Device*>(d);
    return 0;
}

int xrtDeviceLoadXclbinFile(void* d, const char* path) {
    FILE* f = std::fopen(path, "rb");
    if (!f) {
        errno = ENOENT;
        return -ENOENT;
    }
    char magic[8] = {};
    size_t n = std::fread(magic, 1, sizeof magic, f);
    std::fclose(f);
    if (n != sizeof magic || std::memcmp(magic, "xclbin2", 8) != 0) {
        errno = EINVAL;
        return -EINVAL;
    }
    static_cast<Device*>(d)->loaded = true;
    return 0;
}

int xrtDeviceGetXclbinUUID(void* d, unsigned char* uuid) {
    if (!static_cast<Device*>(d)->loaded) {
        errno = EINVAL;
        return -EINVAL;
    }
    for (int i = 0; i < 16; i++) uuid[i] = static_cast<unsigned char>(i);
    return 0;
}

void* xrtPLKernelOpen(void* d, const unsigned char*, const char* name) {
    if (std::strcmp(name, "mm2im_xrt") != 0) {
        errno = ENOENT;
        return nullptr;
    }
    return new Kernel{static_cast<Device*>(d)};
}

int xrtKernelClose(void* k) {
    delete static_cast<Kernel*>(k);
    return 0;
}

int xrtKernelArgGroupId(void*, int argno) { return argno == 1 || argno == 3 || argno == 5 ? 0 : -EINVAL; }

void* xrtBOAlloc(void*, size_t size, uint64_t, uint32_t) {
    void* p = std::calloc(size, 1);
    if (!p) {
        errno = ENOMEM;
        return nullptr;
    }
    return new Bo{static_cast<unsigned char*>(p), size};
}

int xrtBOFree(void* b) {
    Bo* bo = static_cast<Bo*>(b);
    std::free(bo->data);
    delete bo;
    return 0;
}

int xrtBOWrite(void* b, const void* src, size_t size, size_t seek) {
    Bo* bo = static_cast<Bo*>(b);
    if (seek + size > bo->size) {
        errno = EINVAL;
        return -EINVAL;
    }
    std::memcpy(bo->data + seek, src, size);
    return 0;
}

int xrtBORead(void* b, void* dst, size_t size, size_t skip) {
    Bo* bo = static_cast<Bo*>(b);
    if (skip + size > bo->size) {
        errno = EINVAL;
        return -EINVAL;
    }
    std::memcpy(dst, bo->data + skip, size);
    return 0;
}

int xrtBOSync(void*, int, size_t, size_t) { return 0; }

// The mm2im_xrt kernel's arguments: (unsigned opcode, bo in, unsigned in_words, bo out, unsigned out_capacity, bo result).
void* xrtKernelRun(void* k, ...) {
    if (!k) {
        errno = EINVAL;
        return nullptr;
    }
    va_list ap;
    va_start(ap, k);
    unsigned opcode = va_arg(ap, unsigned);
    Bo* in = static_cast<Bo*>(va_arg(ap, void*));
    unsigned in_words = va_arg(ap, unsigned);
    Bo* out = static_cast<Bo*>(va_arg(ap, void*));
    unsigned out_capacity = va_arg(ap, unsigned);
    Bo* result = static_cast<Bo*>(va_arg(ap, void*));
    va_end(ap);
    if (in_words * 4ull > in->size || out_capacity * 4ull > out->size || result->size < 16) {
        errno = EINVAL;
        return nullptr;
    }
    mm2im_xrt(opcode, reinterpret_cast<const unsigned*>(in->data), in_words, reinterpret_cast<unsigned*>(out->data),
              out_capacity, reinterpret_cast<unsigned*>(result->data));
    return new Run{ERT_CMD_STATE_COMPLETED};
}

int xrtRunWait(void* r) { return static_cast<Run*>(r)->state; }

int xrtRunClose(void* r) {
    delete static_cast<Run*>(r);
    return 0;
}

}  // extern "C"
