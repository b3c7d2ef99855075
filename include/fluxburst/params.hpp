// Plugin parameters: the schema a plugin declares and the validated values it gets.
//
// A plugin declares each parameter once (name, type, default, required, help). The
// client merges values, lowest precedence first: the declared defaults, the values
// given to Client::load, the environment (FLUXBURST_<PLUGIN>_<KEY> for one plugin,
// else FLUXBURST_<KEY> for every plugin declaring KEY; upper-cased), and finally
// explicit overrides (what a command line gives). Every error names the
// plugin and the key. A parameter declared per_job may also be set by a job for
// its own burst, in its burst options (job_param_values).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <fluxburst/export.hpp>

namespace fluxburst {

/// The type of a parameter value.
enum class ParamType { String, Integer, Number, Boolean, List };

/// "string", "integer", "number", "boolean" or "list".
FLUXBURST_API const char* to_string(ParamType type);

/// One declared parameter.
struct ParamSpec {
    std::string name;  ///< lower-case key, [a-z0-9_]
    ParamType type = ParamType::String;
    nlohmann::json default_value;  ///< null: no default
    bool required = false;         ///< must be given (by load, env or override)
    std::string help;              ///< one line shown by `flux-burst plugins NAME`
    /// A job may set it for its own burst in its burst options (the object form
    /// of system.burstable, e.g. {"plugin": "gke", "machine_type": "c2-standard-16"});
    /// the value reaches run() in BurstRequest::params. Cannot be named "plugin".
    bool per_job = false;
};

using ParamSchema = std::vector<ParamSpec>;

/// The schema as JSON (an array of {name, type, default, required, help, per_job}).
FLUXBURST_API nlohmann::json schema_to_json(const ParamSchema& schema);

/// Parse and check a schema from JSON. Throws ParamError naming `plugin` when an
/// entry is malformed: missing name, bad name, unknown type, duplicate name, a
/// default that does not have the declared type, a per_job that is not a boolean,
/// or a per-job parameter named "plugin".
FLUXBURST_API ParamSchema schema_from_json(const nlohmann::json& j, const std::string& plugin);

/// The environment variable for parameter `key` of plugin `plugin` alone:
/// FLUXBURST_<PLUGIN>_<KEY>, upper-cased, every character other than a letter or
/// digit made '_' (plugin "compute-engine", key "zone": FLUXBURST_COMPUTE_ENGINE_ZONE).
FLUXBURST_API std::string plugin_env_name(const std::string& plugin, const std::string& key);

/// One parameter value given for a plugin, and where it was given, which every
/// error about it names ("config file 'burst.toml', line 7", "--param
/// 'mock.max_nodes=4'"). Text is converted by the parameter's type (integers and
/// numbers must be whole strings, "8", "2.5"; booleans accept true/false, yes/no,
/// on/off, 1/0; lists a JSON array or comma-separated items); a whole number (8.0)
/// passes for an integer, any number for a number; a null value counts as not given.
struct ParamSetting {
    std::string key;
    nlohmann::json value;
    std::string origin;
};

/// The values given for one plugin, in the two layers around the environment
/// (within a layer, a later setting of a key wins).
struct ParamLayers {
    std::vector<ParamSetting> given;      ///< below the environment (a config file)
    std::vector<ParamSetting> overrides;  ///< above it (a command line)
};

/// Merge and validate parameters (see the top of this file): the declared defaults,
/// `layers.given`, the environment (FLUXBURST_<PLUGIN>_<KEY>, else FLUXBURST_<KEY>),
/// `layers.overrides`. Throws ParamError (subject: plugin and key) naming the
/// setting's origin on an unknown key (suggesting the closest declared key) or a
/// value of the wrong type (expected and given), or a missing required key.
FLUXBURST_API nlohmann::json merge_param_layers(const std::string& plugin,
                                                const ParamSchema& schema,
                                                const ParamLayers& layers);

/// merge_param_layers with `given` and `overrides` as JSON objects (or null), their
/// origins named "given to load" and "override".
FLUXBURST_API nlohmann::json merge_params(const std::string& plugin, const ParamSchema& schema,
                                          const nlohmann::json& given,
                                          const nlohmann::json& overrides = nullptr);

/// The values a job's burst options give `plugin`'s per-job parameters (an object,
/// {} when the job sets none), each checked and converted as check_param_value
/// does; the key "plugin" (the plugin the job asks for) and null values are left
/// out. Throws ParamError naming `job` (e.g. "job ƒ3 (2)"), the key and what to do
/// when a key is not a parameter of the plugin, is a parameter it does not take
/// per job, or has a bad value. `options` must be an object (Job::burst_options()).
FLUXBURST_API nlohmann::json job_param_values(const std::string& plugin, const ParamSchema& schema,
                                              const nlohmann::json& options,
                                              const std::string& job);

/// Validated parameter values, as a plugin sees them.
class FLUXBURST_API Params {
public:
    Params() = default;
    explicit Params(nlohmann::json values) : values_(std::move(values)) {}

    bool has(const std::string& key) const;
    /// Typed getters; throw ParamError when the key is absent or of another type.
    std::string get_string(const std::string& key) const;
    std::int64_t get_int(const std::string& key) const;
    double get_number(const std::string& key) const;
    bool get_bool(const std::string& key) const;
    std::vector<std::string> get_list(const std::string& key) const;

    /// All values as one JSON object.
    const nlohmann::json& json() const { return values_; }

private:
    const nlohmann::json& at(const std::string& key) const;
    nlohmann::json values_ = nlohmann::json::object();
};

}  // namespace fluxburst
