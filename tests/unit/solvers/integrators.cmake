# Orders of accuracy and the common contract of every registered integrator (test_integrator_orders.cpp).
blobflow_add_test(test_integrator_orders
  SOURCES test_integrator_orders.cpp
  LIBS blobflow::solvers
  LABELS unit)
