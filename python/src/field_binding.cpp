// blobflow._core.VelocityField: a blob method's velocity field and energy (solvers/velocity_field.hpp) on NumPy
// arrays, built from its choices or from a run configuration (studies/run.hpp, field_spec_of).
#include <memory>

#include "bindings.hpp"
#include "blobflow/solvers/velocity_field.hpp"
#include "blobflow/studies/run.hpp"

#include <pybind11/stl.h>

namespace blobflow::python {
namespace {

/// A field, with the initial particles and the discretization of the configuration it was built from (if any).
struct Field {
  std::unique_ptr<VelocityField> field;
  FieldSpec spec;
  std::vector<double> x0;  ///< the run's initial positions (from_config), else empty
  double h = 0.0;

  std::size_t size() const { return field->masses().size(); }
};

Field field_from_spec(const FieldSpec& spec, const Array& masses) {
  if (masses.ndim() != 1) throw std::invalid_argument("masses: must be an array of shape (N,)");
  Field f;
  f.spec = spec;
  f.field = make_velocity_field(spec, std::vector<double>(masses.data(), masses.data() + masses.shape(0)));
  return f;
}

Field field_from_config(const py::object& given, const std::vector<std::string>& overrides) {
  const RunConfig config = config_of(given, overrides);
  if (config.sampling.sampler != "blob" || config.sampling.batch != 0)
    throw std::invalid_argument("sampling.sampler = \"" + config.sampling.sampler + "\", sampling.batch = " +
                                std::to_string(config.sampling.batch) +
                                ": VelocityField.from_config takes the blob method with all pairs (sampler blob, "
                                "batch 0)");
  PreparedProblem problem = prepare_problem(config);
  Field f;
  f.spec = field_spec_of(config, problem);
  f.field = make_velocity_field(f.spec, problem.particles.mass);
  f.x0 = std::move(problem.particles.x);
  f.h = problem.h;
  return f;
}

/// The (N, d) positions of `x` for the field, checked against its N.
std::span<const double> positions(const Field& f, const Array& x) {
  const std::span<const double> coords = points_of(x, f.field->dimension(), "x");
  if (coords.size() != f.size() * static_cast<std::size_t>(f.field->dimension()))
    throw std::invalid_argument("x: holds " + std::to_string(coords.size() / f.field->dimension()) +
                                " points; the field has N = " + std::to_string(f.size()) + " masses");
  return coords;
}

Array velocity(const Field& f, const Array& x) {
  const std::span<const double> coords = positions(f, x);
  const auto d = static_cast<std::size_t>(f.field->dimension());
  Array v = x.ndim() == 1 ? Array(static_cast<py::ssize_t>(f.size()))
                          : Array({static_cast<py::ssize_t>(f.size()), static_cast<py::ssize_t>(d)});
  const std::span<double> out(v.mutable_data(), coords.size());
  {
    py::gil_scoped_release release;
    f.field->velocity(coords, out);
  }
  return v;
}

double energy(const Field& f, const Array& x) {
  const std::span<const double> coords = positions(f, x);
  py::gil_scoped_release release;
  return f.field->energy(coords);
}

}  // namespace

void bind_field(py::module_& m) {
  py::class_<Field>(m, "VelocityField")
      .def(py::init([](const std::string& equation, int dimension, double epsilon, const Array& masses, double m_exp,
                       const std::string& mollifier, const std::string& engine, double engine_accuracy) {
             FieldSpec spec;
             spec.equation = equation;
             spec.m = m_exp;
             spec.dimension = dimension;
             spec.mollifier = mollifier;
             spec.epsilon = epsilon;
             spec.engine = engine;
             spec.engine_accuracy = engine_accuracy;
             spec.particles = static_cast<std::size_t>(masses.ndim() == 1 ? masses.shape(0) : 0);  // for "auto"
             return field_from_spec(spec, masses);
           }),
           py::arg("equation"), py::arg("dimension"), py::arg("epsilon"), py::arg("masses"), py::arg("m"),
           py::arg("mollifier"), py::arg("engine"), py::arg("engine_accuracy"))
      .def_static("from_config", &field_from_config, py::arg("config"), py::arg("overrides"))
      .def("velocity", &velocity, py::arg("x"))
      .def("energy", &energy, py::arg("x"))
      .def_property_readonly("dimension", [](const Field& f) { return f.field->dimension(); })
      .def_property_readonly("masses", [](const Field& f) { return new_array(f.field->masses(), f.size()); })
      .def_property_readonly("epsilon", [](const Field& f) { return f.spec.epsilon; })
      .def_property_readonly("engine", [](const Field& f) { return resolve_engine(f.spec); })
      .def_property_readonly("h", [](const Field& f) { return f.h; })
      .def_property_readonly("x0",
                             [](const Field& f) -> py::object {
                               if (f.x0.empty()) return py::none();
                               return new_array(f.x0, f.size(), static_cast<std::size_t>(f.field->dimension()));
                             })
      .def("describe", [](const Field& f) { return f.field->describe(); })
      .def("__repr__", [](const Field& f) { return "blobflow.VelocityField(" + f.field->describe() + ")"; });
}

}  // namespace blobflow::python
