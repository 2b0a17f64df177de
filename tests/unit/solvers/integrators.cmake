# Orders of accuracy and the common contract of every registered integrator (test_integrator_orders.cpp).
blobflow_add_test(test_integrator_orders
  SOURCES test_integrator_orders.cpp
  LIBS blobflow::solvers
  LABELS unit)

# The stiff integrator rosenbrock34 and the sparse Hessians it factorizes (test_rosenbrock.cpp).
blobflow_add_test(test_rosenbrock
  SOURCES test_rosenbrock.cpp
  LIBS blobflow::solvers
  LABELS unit)

# The energy-stable discrete-gradient integrator (test_discrete_gradient.cpp).
blobflow_add_test(test_discrete_gradient
  SOURCES test_discrete_gradient.cpp
  LIBS blobflow::solvers
  LABELS unit)
