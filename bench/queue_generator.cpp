#include "queue_generator.hpp"

#include <cstdio>
#include <stdexcept>

namespace bench {

namespace {
// splitmix64: the same numbers on every platform and standard library.
std::uint64_t mix(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

nlohmann::json make_tiny_job(std::uint64_t id, bool burstable) {
    nlohmann::json system = nlohmann::json::object();
    if (burstable) system["burstable"] = 1;
    return {{"id", id},
            {"state", 8},
            {"name", "t"},
            {"nnodes", 1},
            {"ntasks", 1},
            {"spec",
             {{"resources", {{{"type", "node"}, {"count", 1}}}},
              {"tasks", {{{"command", {"true"}}, {"slot", "task"}, {"count", {{"per_slot", 1}}}}}},
              {"attributes", {{"system", system}}},
              {"version", 1}}}};
}

}  // namespace

nlohmann::json make_job(std::uint64_t seed, std::size_t index, const Shape& shape) {
    std::uint64_t r = mix(seed * 1000003ULL + index);
    // 50%: the low bit, as before shapes were added (the same queues for a seed).
    bool burstable = shape.burstable_percent == 50
                         ? (r & 1) == 0
                         : static_cast<int>((r >> 40) % 100) < shape.burstable_percent;
    std::uint64_t id = 11777605632ULL + static_cast<std::uint64_t>(index) * 16777216ULL;
    if (shape.tiny) return make_tiny_job(id, burstable);
    std::int64_t nodes = static_cast<std::int64_t>((r >> 8) % 64) + 1;
    std::int64_t cores = static_cast<std::int64_t>((r >> 16) % 4) + 1;
    double t = 1795501303.0 + static_cast<double>(index) * 0.001;
    static const char* names[] = {"sim", "train", "hostname", "lammps", "amg"};
    std::string name = names[(r >> 24) % 5];
    nlohmann::json system = {{"duration", 0},
                             {"cwd", "/home/user/work"},
                             {"job", {{"name", name}}},
                             {"shell",
                              {{"options",
                                {{"rlimit",
                                  {{"cpu", -1},
                                   {"fsize", -1},
                                   {"data", -1},
                                   {"stack", 8388608},
                                   {"core", 0},
                                   {"nofile", 20000},
                                   {"as", -1},
                                   {"rss", -1},
                                   {"nproc", 96365}}}}}}}};
    // flux submit copies the submitter's environment into the jobspec.
    system["environment"] = {{"HOME", "/home/user"},
                             {"PATH", "/usr/local/bin:/usr/bin:/bin:/opt/flux/bin"},
                             {"LANG", "C.UTF-8"},
                             {"USER", "user"},
                             {"SHELL", "/bin/bash"},
                             {"PWD", "/home/user/work"},
                             {"OMP_NUM_THREADS", std::to_string(cores)},
                             {"FLUX_URI", "local:///run/flux/local"}};
    if (burstable) system["burstable"] = 1;
    return {{"id", id},
            {"userid", 1000 + (r >> 32) % 8},
            {"urgency", 16},
            {"priority", 16},
            {"t_submit", t},
            {"t_depend", t + 0.014},
            {"t_priority", t + 0.028},
            {"t_sched", t + 0.029},
            {"state", 8},
            {"name", name},
            {"cwd", "/home/user/work"},
            {"ntasks", nodes * cores},
            {"duration", 0.0},
            {"nnodes", nodes},
            {"spec",
             {{"resources",
               {{{"type", "node"},
                 {"count", nodes},
                 {"exclusive", true},
                 {"with",
                  {{{"type", "slot"},
                    {"count", cores},
                    {"with", {{{"type", "core"}, {"count", 1}}}},
                    {"label", "task"}}}}}}},
              {"tasks",
               {{{"command", {name, "--input", "in.dat"}},
                 {"slot", "task"},
                 {"count", {{"per_slot", 1}}}}}},
              {"attributes", {{"system", system}}},
              {"version", 1}}}};
}

std::vector<nlohmann::json> make_jobs(std::uint64_t seed, std::size_t count, const Shape& shape) {
    std::vector<nlohmann::json> jobs;
    jobs.reserve(count);
    for (std::size_t i = 0; i < count; ++i) jobs.push_back(make_job(seed, i, shape));
    return jobs;
}

void write_queue_file(const std::string& path, std::uint64_t seed, std::size_t count,
                      const Shape& shape) {
    FILE* f = std::fopen(path.c_str(), "w");
    if (!f) throw std::runtime_error("cannot write " + path);
    std::fputs("{\"jobs\": [\n", f);
    for (std::size_t i = 0; i < count; ++i) {
        std::string line = make_job(seed, i, shape).dump();
        if (i + 1 < count) line += ",";
        line += "\n";
        std::fwrite(line.data(), 1, line.size(), f);
    }
    std::fputs("]}\n", f);
    if (std::fclose(f) != 0) throw std::runtime_error("cannot write " + path);
}

}  // namespace bench
