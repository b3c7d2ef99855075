// The plugin contract: the base class plugin authors derive from, and the macro
// that exports the C entry points libfluxburst loads.
//
//   class MyPlugin : public fluxburst::BurstPlugin {
//   public:
//       static fluxburst::ParamSchema parameters() {
//           return {{"max_nodes", fluxburst::ParamType::Integer, 8, false, "largest job"}};
//       }
//       bool schedule(const fluxburst::Job& job) override { return job.nodes() <= 8; }
//       fluxburst::BurstResult run(const fluxburst::BurstRequest& request) override { ... }
//   };
//   FLUXBURST_PLUGIN(MyPlugin, "myplugin", "1.0.0", "What it bursts to")
//
// Build it with fluxburst_add_plugin(NAME myplugin SOURCES my_plugin.cpp), which
// produces libfluxburst_myplugin.so with every symbol hidden but the entry points.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include <fluxburst/config.hpp>
#include <fluxburst/export.hpp>
#include <fluxburst/job.hpp>
#include <fluxburst/params.hpp>

/// The plugin ABI version. The loader refuses a plugin built for another one.
/// It changes whenever BurstPlugin's layout or virtual functions change, or the
/// types they take (Job, BurstRequest, BurstResult, Params). Besides it, the loader
/// checks the build identity (fluxburst_build_identity_t): the library's major
/// version, the compiler's C++ ABI and nlohmann_json's ABI, which the boundary's
/// C++ types depend on.
#define FLUXBURST_PLUGIN_ABI_VERSION 2

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

/// What a plugin is asked to provide in run().
struct BurstRequest {
    /// Jobs this plugin accepted in this cycle (empty for a sized request).
    std::vector<JobPtr> jobs;
    /// Nodes wanted: the largest accepted job's, or the requested size.
    std::int64_t nodes = 0;
    /// Tasks wanted: the largest accepted job's, or the requested count.
    std::int64_t tasks = 0;
};

/// What a plugin did in run() or unburst().
struct BurstResult {
    /// One line for people ("created cluster mock-0 with 4 nodes").
    std::string summary;
    /// Structured detail for scripts (appears in the report's JSON).
    nlohmann::json details = nlohmann::json::object();
};

/// What `flux-burst setup PLUGIN` asks of a plugin's setup().
struct SetupRequest {
    /// Replace files (or resources) an earlier setup made; otherwise refuse them.
    bool overwrite = false;
};

class BurstPlugin;

namespace detail {
struct PluginAccess;
}

/// The base class of every plugin.
class FLUXBURST_API BurstPlugin {
public:
    BurstPlugin();
    virtual ~BurstPlugin();
    BurstPlugin(const BurstPlugin&) = delete;
    BurstPlugin& operator=(const BurstPlugin&) = delete;

    /// The plugin's parameters (hidden by a static function of the same name in
    /// the derived class; read without creating an instance).
    static ParamSchema parameters() { return {}; }

    /// Check the validated parameters and the environment once, after init.
    /// Return a reason to refuse loading (shown to the user), or nullopt.
    virtual std::optional<std::string> validate() { return std::nullopt; }

    /// Would this plugin take the job? Return true to accept it; the client then
    /// offers it to no other plugin and hands it to run() in this cycle's request.
    /// The job's fields are read already (cheap); job.json() builds its full JSON.
    virtual bool schedule(const Job& job) = 0;

    /// Provide the resources: called once per cycle in which the plugin accepted
    /// jobs, or for a sized request (Client::request_burst).
    virtual BurstResult run(const BurstRequest& request) = 0;

    /// Give back what earlier runs created.
    virtual BurstResult unburst() { return {"nothing to unburst", nlohmann::json::object()}; }

    /// Prepare, once, what bursts need on the lead side (for a connected burst: the
    /// lead instance's bootstrap config with the burst hosts pre-declared, the CURVE
    /// certificate). Called by `flux-burst setup PLUGIN`, never during a cycle. By
    /// convention `details` holds "files" (paths written) and, when something must be
    /// reachable from outside, "listen": {"address": ..., "port": ...}; the command
    /// prints them. Refuse existing files unless `request.overwrite`. The default
    /// throws PluginError "plugin NAME has no setup step".
    virtual BurstResult setup(const SetupRequest& request);

    /// Free nodes this plugin can still provide, when it knows (used by the
    /// least_waste ordering); nullopt means unknown.
    virtual std::optional<std::int64_t> free_nodes() const { return std::nullopt; }

    /// The name the plugin was loaded under.
    const std::string& name() const { return name_; }
    /// The validated parameters (defaults, load params, environment, overrides).
    const Params& params() const { return params_; }

private:
    friend struct detail::PluginAccess;
    std::string name_;
    Params params_;
};

namespace detail {
/// Used by the loader and the client to fill in the base class's state.
struct PluginAccess {
    static void attach(BurstPlugin& p, const std::string& name, Params params) {
        p.name_ = name;
        p.params_ = std::move(params);
    }
};

/// Copy an exception's text into a C buffer (for the init entry point).
inline void copy_error(char* buf, std::size_t len, const char* text) {
    if (!buf || len == 0) return;
    std::size_t i = 0;
    for (; text && text[i] && i + 1 < len; ++i) buf[i] = text[i];
    buf[i] = '\0';
}

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
        PluginAccess::attach(*p, name, std::move(params));
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
    fluxburst_build_identity_t identity;  ///< what it was built with (ABI 2)
};
}

/// Declare a plugin class once, in one source file of the plugin. Exports, with C
/// linkage and default visibility:
///   int fluxburst_plugin_abi_version(void);
///   const fluxburst_plugin_info_t* fluxburst_plugin_info(void);
///   fluxburst::BurstPlugin* fluxburst_plugin_init(const char* name,
///           const char* params_json, char* error, size_t error_len);
///   void fluxburst_plugin_destroy(fluxburst::BurstPlugin*);
/// The class may have a default constructor or one taking `const fluxburst::Params&`;
/// an exception from it is reported by the loader as "init threw: <text>".
#define FLUXBURST_PLUGIN(ClassName, Name, Version, Description)                                    \
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
