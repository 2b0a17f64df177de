// The power (Laguerre) diagram of weighted seeds restricted to a box, cell by cell (docs/math.md §6.1): the cell of
// seed i is { x in box : |x - y_i|^2 - w_i <= |x - y_j|^2 - w_j for all j }, built by cutting the box with the
// half-spaces 2 x.(y_j - y_i) <= |y_j|^2 - |y_i|^2 - w_j + w_i of nearby seeds, found on a uniform grid of buckets in
// order of distance and stopped once no farther seed can reach the cell. The seeds stay fixed while the weights
// change (the Newton iterations of semidiscrete_ot.hpp), so the search structure is built once.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "blobflow/analysis/convex_cell.hpp"

namespace blobflow::analysis {

class PowerDiagram {
 public:
  /// \param dimension 1, 2 or 3; \param seeds N d coordinates, seed i at (seeds[i d], ..., seeds[i d + d - 1]), N >= 1,
  /// all finite and pairwise distinct (merge duplicates first); seeds may lie outside the box; \param domain the box
  /// the cells are restricted to. \throws std::invalid_argument naming the rule otherwise.
  PowerDiagram(int dimension, std::span<const double> seeds, const Box& domain);

  int dimension() const;
  std::size_t size() const;  ///< the number of seeds N
  const Point3& seed(std::size_t i) const;  ///< seed i (first d entries); \throws std::out_of_range for i >= N
  const Box& domain() const;
  /// The absolute tolerance the cells are cut with (clip): 1e-12 times the larger of the domain's diameter and its
  /// largest coordinate. A vertex that close to a bisector counts as on it.
  double clip_tolerance() const;

  /// Builds the cell of every seed for the weights w (N finite values) and calls visit(i, cell) in the order
  /// i = 0, ..., N-1, empty cells (hidden seeds) included. The cell passed is valid only during the call.
  /// Reuses buffers inside the diagram: not safe to call concurrently on one diagram (use one diagram per thread).
  /// \throws std::invalid_argument for a wrong number of weights or a non-finite weight.
  void for_each_cell(std::span<const double> weights,
                     const std::function<void(std::size_t, const ConvexCell&)>& visit) const;

  ~PowerDiagram();
  PowerDiagram(PowerDiagram&&) noexcept;
  PowerDiagram& operator=(PowerDiagram&&) noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace blobflow::analysis
