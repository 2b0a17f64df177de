set terminal svg size 720,480
set output 'cost-vs-n.svg'
set logscale xy
set xlabel 'N (particles)'
set ylabel 'seconds per velocity evaluation (wall)'
set key left top
set grid
set title 'wpme velocity, Gaussian psi, lattice (eps = 4h in 1D, h in 2D/3D)'
plot 'cost-vs-n.dat' index 0 with linespoints title '1D simd symmetric', \
     'cost-vs-n.dat' index 1 with linespoints title '1D truncated', \
     'cost-vs-n.dat' index 2 with linespoints title '2D simd symmetric', \
     'cost-vs-n.dat' index 3 with linespoints title '2D truncated', \
     'cost-vs-n.dat' index 4 with linespoints title '3D simd symmetric', \
     'cost-vs-n.dat' index 5 with linespoints title '3D truncated'
