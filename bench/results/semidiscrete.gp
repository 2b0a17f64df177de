# The cost of the semi-discrete W2 against N (bench/bench_semidiscrete.cpp writes semidiscrete.dat):
# gnuplot bench/results/semidiscrete.gp  ->  bench/results/semidiscrete.svg
set terminal svg size 900,420
set output 'bench/results/semidiscrete.svg'
set multiplot layout 1,2
set logscale xy
set grid
set key left top
set xlabel 'N (particles)'
set ylabel 'seconds per solve (wall, one thread)'
set title 'time of a whole solve'
plot for [i=0:5] 'bench/results/semidiscrete.dat' index i using 1:3 with linespoints title columnheader(1), \
     x/1e4 with lines dashtype 2 lc rgb 'gray' title 'N', (x/1e4)**1.5 with lines dashtype 3 lc rgb 'gray' title 'N^{1.5}'
unset logscale y
set ylabel 'Newton iterations'
set title 'Newton iterations to max |m_i - nu_i| <= 1e-12'
set yrange [0:*]
plot for [i=0:5] 'bench/results/semidiscrete.dat' index i using 1:2 with linespoints title columnheader(1)
unset multiplot
