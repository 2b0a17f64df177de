set terminal svg size 720,480
set output 'bench/results/cost-vs-n.svg'
set logscale xy
set xlabel 'N (particles)'
set ylabel 'seconds per velocity evaluation (wall)'
set key left top
set grid
set title 'wpme velocity, Gaussian psi, lattice (eps = 4h in 1D, h in 2D/3D)'
plot 'bench/results/cost-vs-n.dat' index 0 with linespoints title '1D direct', \
     'bench/results/cost-vs-n.dat' index 1 with linespoints title '1D fft', \
     'bench/results/cost-vs-n.dat' index 2 with linespoints title '1D simd symmetric', \
     'bench/results/cost-vs-n.dat' index 3 with linespoints title '1D truncated', \
     'bench/results/cost-vs-n.dat' index 4 with linespoints title '1D truncated-simd', \
     'bench/results/cost-vs-n.dat' index 5 with linespoints title '1D truncated-simd portable', \
     'bench/results/cost-vs-n.dat' index 6 with linespoints title '2D direct', \
     'bench/results/cost-vs-n.dat' index 7 with linespoints title '2D fft', \
     'bench/results/cost-vs-n.dat' index 8 with linespoints title '2D simd symmetric', \
     'bench/results/cost-vs-n.dat' index 9 with linespoints title '2D truncated', \
     'bench/results/cost-vs-n.dat' index 10 with linespoints title '2D truncated-simd', \
     'bench/results/cost-vs-n.dat' index 11 with linespoints title '2D truncated-simd portable', \
     'bench/results/cost-vs-n.dat' index 12 with linespoints title '3D direct', \
     'bench/results/cost-vs-n.dat' index 13 with linespoints title '3D fft', \
     'bench/results/cost-vs-n.dat' index 14 with linespoints title '3D simd symmetric', \
     'bench/results/cost-vs-n.dat' index 15 with linespoints title '3D truncated', \
     'bench/results/cost-vs-n.dat' index 16 with linespoints title '3D truncated-simd', \
     'bench/results/cost-vs-n.dat' index 17 with linespoints title '3D truncated-simd portable'
