# 2D Keller-Segel: the exact rate of the second moment a run records and the collapse check (fast), and a small
# Keller-Segel study end to end (slow: a 961-particle run with the Newtonian kernel).
blobflow_add_test(test_keller_segel SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_keller_segel.cpp
                  LIBS blobflow::studies blobflow::reports LABELS unit)
blobflow_add_test(test_keller_segel_study SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_keller_segel_study.cpp
                  LIBS blobflow::studies blobflow::reports LABELS unit slow WHOLE)
