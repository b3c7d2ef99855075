// The machinery behind FLUXBURST_PLUGIN (fluxburst/plugin.hpp): the C entry points a
// plugin exports, the info struct the loader reads before trusting a plugin, and the
// build identity it compares. Plugin authors need not read this; it is included by
// plugin.hpp (at its end) and may change with FLUXBURST_PLUGIN_ABI_VERSION.
#pragma once

#include <fluxburst/plugin.hpp>  // BurstPlugin (this header is plugin.hpp's tail)

#include <cstddef>
#include <exception>
#include <string>
#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>

#include <fluxburst/config.hpp>
#include <fluxburst/export.hpp>
#include <fluxburst/params.hpp>

#define FLUXBURST_STRINGIFY_(x) #x
#define FLUXBURST_STRINGIFY(x) FLUXBURST_STRINGIFY_(x)

/// __GXX_ABI_VERSION of the compiler (GCC and Clang define it), 0 without one.
#ifdef __GXX_ABI_VERSION
#define FLUXBURST_CXX_ABI __GXX_ABI_VERSION
#else
#define FLUXBURST_CXX_ABI 0
#endif

/// _GLIBCXX_USE_CXX11_ABI of libstdc++ (std::string's layout), -1 for another library.
#ifdef _GLIBCXX_USE_CXX11_ABI
#define FLUXBURST_CXX11_STRING_ABI _GLIBCXX_USE_CXX11_ABI
#else
#define FLUXBURST_CXX11_STRING_ABI -1
#endif

/// nlohmann_json's ABI: its versioned inline namespace with its ABI tags
/// ("nlohmann::json_abi_v3_11_2"), or its version for releases before 3.11.
#ifdef NLOHMANN_JSON_NAMESPACE
#define FLUXBURST_JSON_ABI FLUXBURST_STRINGIFY(NLOHMANN_JSON_NAMESPACE)
#else
#define FLUXBURST_JSON_ABI                                                                \
    "nlohmann " FLUXBURST_STRINGIFY(NLOHMANN_JSON_VERSION_MAJOR) "." FLUXBURST_STRINGIFY( \
        NLOHMANN_JSON_VERSION_MINOR) "." FLUXBURST_STRINGIFY(NLOHMANN_JSON_VERSION_PATCH)
#endif

namespace fluxburst {

namespace detail {
/// Used by the loader and the client to fill in the base class's state.
struct PluginAccess {
    static void attach(BurstPlugin& p, const std::string& name, Params params,
                       ParamSchema schema = {}) {
        p.name_ = name;
        p.params_ = std::move(params);
        p.schema_ = std::move(schema);
    }
};

/// Copy an exception's text into a C buffer (for the init entry point).
inline void copy_error(char* buf, std::size_t len, const char* text) {
    if (!buf || len == 0) return;
    std::size_t i = 0;
    for (; text && text[i] && i + 1 < len; ++i) buf[i] = text[i];
    buf[i] = '\0';
}

/// What fluxburst_plugin_init does: build a T from the parameters' JSON, or write
/// the constructor's exception text into `err` and return null.
template <class T>
BurstPlugin* create_plugin(const char* name, const char* params_json, char* err,
                           std::size_t errlen) {
    try {
        Params params(nlohmann::json::parse(params_json ? params_json : "{}"));
        BurstPlugin* p = nullptr;
        if constexpr (std::is_constructible_v<T, const Params&>)
            p = new T(params);
        else
            p = new T();
        PluginAccess::attach(*p, name, std::move(params), T::parameters());
        return p;
    } catch (const std::exception& e) {
        copy_error(err, errlen, e.what());
    } catch (...) {
        copy_error(err, errlen, "unknown exception");
    }
    return nullptr;
}
}  // namespace detail

}  // namespace fluxburst

extern "C" {
/// What a build depended on that the plugin boundary's C++ types depend on too.
/// The loader compares each part with its own and names the one that differs.
struct fluxburst_build_identity_t {
    int library_major;     ///< FLUXBURST_VERSION_MAJOR of the libfluxburst headers
    int cxx_abi;           ///< FLUXBURST_CXX_ABI (__GXX_ABI_VERSION)
    int cxx11_string_abi;  ///< FLUXBURST_CXX11_STRING_ABI (_GLIBCXX_USE_CXX11_ABI)
    const char* json_abi;  ///< FLUXBURST_JSON_ABI (nlohmann_json's ABI namespace)
};

/// The identity of the code being compiled now.
#define FLUXBURST_BUILD_IDENTITY \
    { FLUXBURST_VERSION_MAJOR, FLUXBURST_CXX_ABI, FLUXBURST_CXX11_STRING_ABI, FLUXBURST_JSON_ABI }

/// What a plugin tells about itself without being initialised. Plain C, so the
/// loader can read it from any plugin before trusting it.
struct fluxburst_plugin_info_t {
    int abi_version;                      ///< FLUXBURST_PLUGIN_ABI_VERSION it was built with
    const char* name;                     ///< e.g. "mock"; the file is libfluxburst_<name>.so
    const char* version;                  ///< the plugin's own version
    const char* description;              ///< one line
    const char* params_schema_json;       ///< the parameters, as schema_to_json() writes them
    fluxburst_build_identity_t identity;  ///< what it was built with (since ABI 2)
};
}

/// The four entry points FLUXBURST_PLUGIN exports, with C linkage and default
/// visibility:
///   int fluxburst_plugin_abi_version(void);
///   const fluxburst_plugin_info_t* fluxburst_plugin_info(void);
///   fluxburst::BurstPlugin* fluxburst_plugin_init(const char* name,
///           const char* params_json, char* error, size_t error_len);
///   void fluxburst_plugin_destroy(fluxburst::BurstPlugin*);
#define FLUXBURST_DETAIL_PLUGIN_ENTRY_POINTS(ClassName, Name, Version, Description)                \
    FLUXBURST_PLUGIN_EXPORT int fluxburst_plugin_abi_version(void) {                               \
        return FLUXBURST_PLUGIN_ABI_VERSION;                                                       \
    }                                                                                              \
    FLUXBURST_PLUGIN_EXPORT const fluxburst_plugin_info_t* fluxburst_plugin_info(void) {           \
        static const std::string schema =                                                          \
            ::fluxburst::schema_to_json(ClassName::parameters()).dump();                           \
        static const fluxburst_plugin_info_t info = {                                              \
            FLUXBURST_PLUGIN_ABI_VERSION, Name, Version, Description, schema.c_str(),              \
            FLUXBURST_BUILD_IDENTITY};                                                             \
        return &info;                                                                              \
    }                                                                                              \
    FLUXBURST_PLUGIN_EXPORT ::fluxburst::BurstPlugin* fluxburst_plugin_init(                       \
        const char* name, const char* params_json, char* error, std::size_t error_len) {           \
        return ::fluxburst::detail::create_plugin<ClassName>(name, params_json, error, error_len); \
    }                                                                                              \
    FLUXBURST_PLUGIN_EXPORT void fluxburst_plugin_destroy(::fluxburst::BurstPlugin* plugin) {      \
        delete plugin;                                                                             \
    }
