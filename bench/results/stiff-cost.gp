# Whole-run cost against N, 1D Barenblatt (bench/stiff-cost.py): rosenbrock34 at rtol 1e-6 and dopri5 at rtol 1e-8.
# gnuplot bench/results/stiff-cost.gp (from the repository root) writes bench/results/stiff-cost.svg.
set terminal svg size 900,420
set output 'bench/results/stiff-cost.svg'
set multiplot layout 1,2
set logscale xy
set xlabel 'N (particles)'
set grid
set key left top
set ylabel 'wall seconds, whole run to T = 1'
plot 'bench/results/stiff-cost.dat' using 1:(strcol(5) eq 'rosenbrock34' ? $2 : 1/0) with linespoints title 'rosenbrock34', \
     'bench/results/stiff-cost.dat' using 1:(strcol(5) eq 'dopri5' ? $2 : 1/0) with linespoints title 'dopri5'
set ylabel 'velocity evaluations'
plot 'bench/results/stiff-cost.dat' using 1:(strcol(5) eq 'rosenbrock34' ? $3 : 1/0) with linespoints title 'rosenbrock34', \
     'bench/results/stiff-cost.dat' using 1:(strcol(5) eq 'dopri5' ? $3 : 1/0) with linespoints title 'dopri5'
unset multiplot
