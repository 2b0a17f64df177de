// blobflow._core: configurations, runs and studies (studies/run.hpp, studies/study.hpp, reports/study_report.hpp).
#include <algorithm>
#include <filesystem>
#include <limits>
#include <sstream>

#include "bindings.hpp"
#include "blobflow/reports/study_report.hpp"
#include "blobflow/studies/config.hpp"
#include "blobflow/studies/run.hpp"
#include "blobflow/studies/study.hpp"
#include "blobflow/studies/study_spec.hpp"

#include <pybind11/stl.h>

namespace blobflow::python {
namespace {

/// The particles of every snapshot as (T, N, d) positions and (T, N) masses, N the particles at t0: a particle that
/// a drop-out stopped (coverage.dropouts; its id missing from a snapshot) has NaN positions and mass 0 there.
void add_particles(py::dict& out, const RunResult& r, int dimension) {
  const std::size_t n = r.masses.size(), times = r.snapshots.size(), d = static_cast<std::size_t>(dimension);
  Array t(static_cast<py::ssize_t>(times));
  Array x({static_cast<py::ssize_t>(times), static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(d)});
  Array m({static_cast<py::ssize_t>(times), static_cast<py::ssize_t>(n)});
  std::fill(x.mutable_data(), x.mutable_data() + times * n * d, std::numeric_limits<double>::quiet_NaN());
  std::fill(m.mutable_data(), m.mutable_data() + times * n, 0.0);
  for (std::size_t k = 0; k < times; ++k) {
    const Snapshot& s = r.snapshots[k];
    t.mutable_data()[k] = s.t;
    const std::size_t active = s.x.size() / d;
    for (std::size_t i = 0; i < active; ++i) {
      const std::size_t id = s.ids.empty() ? i : s.ids[i];
      std::copy_n(s.x.begin() + static_cast<std::ptrdiff_t>(i * d), d, x.mutable_data() + (k * n + id) * d);
      m.mutable_data()[k * n + id] = s.masses.empty() ? r.masses[id] : s.masses[i];
    }
  }
  out["times"] = t;
  out["particles"] = x;
  out["masses"] = new_array(r.masses, n);
  out["particle_masses"] = m;
}

/// What a run produced, as arrays: the run's result without its summary's text (the package makes a Result of it).
py::dict result_dict(const RunResult& r, int d) {
  py::dict out;
  out["status"] = std::string(to_string(r.status));
  out["message"] = r.message;
  out["warnings"] = r.warnings;
  out["summary"] = to_python(r.summary);
  add_particles(out, r, d);
  std::vector<double> dt, step, energy;
  for (const DiagnosticRow& row : r.diagnostics) {
    dt.push_back(row.t);
    step.push_back(static_cast<double>(row.step));
    energy.push_back(row.energy);
  }
  py::dict diagnostics;
  diagnostics["t"] = new_array(dt, dt.size());
  diagnostics["step"] = new_array(step, step.size()).attr("astype")("int64");
  diagnostics["energy"] = new_array(energy, energy.size());
  out["diagnostics"] = diagnostics;
  return out;
}

}  // namespace

RunConfig config_of(const py::object& config, const std::vector<std::string>& overrides) {
  if (py::isinstance<RunConfig>(config)) {
    const RunConfig& c = config.cast<const RunConfig&>();
    return overrides.empty() ? c : run_config_from_sections(to_json(c), overrides);
  }
  if (py::isinstance<py::dict>(config)) {
    const std::string text = py::module_::import("json").attr("dumps")(config).cast<std::string>();
    return run_config_from_sections(nlohmann::json::parse(text), overrides);
  }
  const py::object os = py::module_::import("os");
  if (py::isinstance(config, os.attr("PathLike")))
    return load_run_config(os.attr("fspath")(config).cast<std::string>(), overrides);
  if (!py::isinstance<py::str>(config))
    throw std::invalid_argument("config: must be a dict of sections, TOML text, a path or a blobflow.Config");
  const std::string text = config.cast<std::string>();
  // One line naming an existing file, or ending in .toml, is a path; anything else is TOML text.
  const bool one_line = text.find('\n') == std::string::npos;
  if (one_line && (std::filesystem::is_regular_file(text) || text.ends_with(".toml")))
    return load_run_config(text, overrides);
  return parse_run_config(text, "<string>", overrides);
}

void bind_run(py::module_& m) {
  py::class_<RunConfig>(m, "Config",
                        "A validated run configuration (every key resolved; blobflow.config builds one).")
      .def("to_dict", [](const RunConfig& c) { return to_python(to_json(c)); },
           "The resolved configuration as summary.json's `config` holds it (sections of keys).")
      .def_property_readonly("dimension", [](const RunConfig& c) { return c.problem.dimension; })
      .def("__repr__", [](const RunConfig& c) { return "blobflow.Config(" + to_json(c).dump() + ")"; });
  m.def("config", &config_of, py::arg("config"), py::arg("overrides"),
        "A validated configuration from a dict of sections, TOML text, a path or a Config, with overrides.");
  m.def("builtin_config", &builtin_config, py::arg("name"), "The TOML text of a built-in configuration.");
  m.def("builtin_study_names", &builtin_study_names, "The names of the built-in studies.");
  m.def("run",
        [](const py::object& given, const std::vector<std::string>& overrides, const std::string& out_dir) {
          const RunConfig config = config_of(given, overrides);
          RunResult r;
          {
            py::gil_scoped_release release;
            r = run_simulation(config, out_dir);
          }
          return result_dict(r, config.problem.dimension);
        },
        py::arg("config"), py::arg("overrides"), py::arg("out_dir"),
        "Runs one simulation (the GIL released); writes its files to out_dir unless it is empty.");
  m.def("run_study",
        [](const std::string& study, const std::string& out_dir, unsigned threads,
           const std::vector<std::string>& overrides, bool render, bool resume, bool force) {
          const StudyOptions options{.study = study, .out_dir = out_dir, .overrides = overrides, .threads = threads,
                                     .resume = resume, .progress = false, .render = render, .force = force};
          std::ostringstream text;
          StudyOutcome outcome;
          {
            py::gil_scoped_release release;
            outcome = run_study(options, text);
          }
          return py::make_tuple(outcome.out_dir.string(), text.str(), outcome.n_run, outcome.n_failed);
        },
        py::arg("study"), py::arg("out_dir"), py::arg("threads"), py::arg("overrides"), py::arg("render"),
        py::arg("resume") = false, py::arg("force") = false,
        "Runs a study (the GIL released); returns (out_dir, printed summary, runs run, runs failed).");
  m.def("read_run_records",
        [](const std::string& jsonl) {
          py::list out;
          for (const nlohmann::json& record : reports::read_run_records(jsonl)) out.append(to_python(record));
          return out;
        },
        py::arg("path"), "The complete records of a study's runs.jsonl, in file order.");
}

}  // namespace blobflow::python
