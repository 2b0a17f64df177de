// The pieces of the Python module blobflow._core (docs/python.md): each file binds one part of the C++ API, and
// these helpers move arrays and JSON across without logic of their own.
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include <nlohmann/json.hpp>
#include <vector>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "blobflow/studies/config.hpp"

namespace blobflow::python {

namespace py = pybind11;

/// A float64 array in C order; NumPy converts (copies) only what is not already one.
using Array = py::array_t<double, py::array::c_style | py::array::forcecast>;

/// The coordinates of `points`, an (N, d) array (or (N,) when d = 1), particle-major as blobflow stores them.
/// \throws std::invalid_argument (ValueError) naming `what` and the shape it has.
std::span<const double> points_of(const Array& points, int dimension, const char* what);

/// The number of points of an (N, d) or (N,) array, and its d (1 for (N,)).
/// \throws std::invalid_argument for another number of axes or a d outside 1..3.
std::pair<std::size_t, int> shape_of_points(const Array& points, const char* what);

/// A 1-axis array of `n` values, or n equal weights 1/n when `values` is None.
/// \throws std::invalid_argument when it holds another number of values.
Array weights_of(const py::object& values, std::size_t n, const char* what);

/// JSON as the Python objects json.loads makes of its text (so every number round-trips exactly).
py::object to_python(const nlohmann::json& value);

/// A new (rows, cols) float64 array (cols = 0: a 1-axis array of rows values) holding `values`.
Array new_array(std::span<const double> values, std::size_t rows, std::size_t cols = 0);

/// The validated configuration `config` names: a blobflow.Config, a dict of sections (its JSON), a path (os.PathLike,
/// or a one-line string naming a file or ending in .toml) or TOML text, with `section.key=value` overrides.
/// \throws ConfigError (ValueError) with the command line's message.
RunConfig config_of(const py::object& config, const std::vector<std::string>& overrides);

void bind_run(py::module_& m);
void bind_field(py::module_& m);
void bind_analysis(py::module_& m);

}  // namespace blobflow::python
