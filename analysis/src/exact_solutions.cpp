// Exact solutions beyond the Barenblatt profile (see exact_solutions.hpp).
