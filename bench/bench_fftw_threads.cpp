// Whether FftSum's FFTs should run on FFTW's threads library (libfftw3_threads, shipped with Debian's libfftw3-dev):
// FftSum promises results that do not depend on the thread count, so a threaded FFT must give the same bits on 1, 2,
// 3 and 5 threads, and it must pay. This program answers both for the grid shapes FftSum builds (sizes 2^a 3^b 5^c):
//  1. Before the benchmarks it prints, per shape, whether the forward (r2c) and backward (c2r) FFTs of FFTW_ESTIMATE
//     plans made with 2, 3 and 5 threads return the bits of the 1-thread plan (random input, fixed seed).
//  2. BM_FftwRoundTrip<D>/SHAPE/THREADS times one r2c and one c2r (FftSum runs one r2c and 1 + D c2r per gradient
//     sum) on 1 and 2 threads, side by side, wall and process CPU time.
// docs/performance.md §6 gives the outcome on the Zen 5 VM.
#include <benchmark/benchmark.h>
#include <fftw3.h>

#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

struct Shape {
  std::vector<int> n;
  std::size_t real_size() const {
    std::size_t s = 1;
    for (const int k : n) s *= static_cast<std::size_t>(k);
    return s;
  }
  std::size_t complex_size() const { return real_size() / static_cast<std::size_t>(n.back()) * (n.back() / 2 + 1); }
  std::string name() const {
    std::string s;
    for (const int k : n) {
      if (!s.empty()) s.push_back('x');
      s.append(std::to_string(k));
    }
    return s;
  }
};

/// One grid: input, spectrum and output buffers, and a forward and a backward plan made for `threads` threads.
struct RoundTrip {
  Shape shape;
  double* in;
  fftw_complex* spectrum;
  double* out;
  fftw_plan forward, backward;

  RoundTrip(const Shape& s, int threads)
      : shape(s),
        in(fftw_alloc_real(s.real_size())),
        spectrum(fftw_alloc_complex(s.complex_size())),
        out(fftw_alloc_real(s.real_size())) {
    fftw_plan_with_nthreads(threads);
    const int rank = static_cast<int>(s.n.size());
    forward = fftw_plan_dft_r2c(rank, s.n.data(), in, spectrum, FFTW_ESTIMATE);
    backward = fftw_plan_dft_c2r(rank, s.n.data(), spectrum, out, FFTW_ESTIMATE);
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    for (std::size_t i = 0; i < s.real_size(); ++i) in[i] = u(rng);
  }
  RoundTrip(const RoundTrip&) = delete;
  RoundTrip& operator=(const RoundTrip&) = delete;
  ~RoundTrip() {
    fftw_destroy_plan(forward);
    fftw_destroy_plan(backward);
    fftw_free(in);
    fftw_free(spectrum);
    fftw_free(out);
  }
  /// The spectrum and the backward transform of the input, as one array of bits to compare.
  std::vector<double> run() {
    fftw_execute(forward);
    std::vector<double> bits(reinterpret_cast<double*>(spectrum),
                             reinterpret_cast<double*>(spectrum) + 2 * shape.complex_size());
    fftw_execute(backward);  // c2r overwrites the spectrum, so it was copied first
    bits.insert(bits.end(), out, out + shape.real_size());
    return bits;
  }
};

/// Shapes FftSum builds for 2D and 3D grids of about 1e6 to 1e7 points and 1D grids of about 1e6 (fast sizes).
const std::vector<Shape> kShapes = {
    {{1000000}}, {{1048576}},    {{1500000}},    {{1024, 1024}}, {{1296, 1000}}, {{1296, 1024}},  {{1296, 1152}},
    {{2048, 2048}}, {{2160, 2000}}, {{120, 128, 120}}, {{135, 100, 135}}, {{135, 144, 135}}, {{160, 144, 160}}};

void print_bit_check() {
  std::printf("FFTW %s, FFTW_ESTIMATE plans: r2c + c2r on T threads against 1 thread\n", fftw_version);
  int differing = 0;
  for (const Shape& s : kShapes) {
    std::vector<double> reference;
    std::string different;  // the thread counts whose bits differ from 1 thread's
    for (const int threads : {1, 2, 3, 5}) {
      RoundTrip r(s, threads);
      const std::vector<double> bits = r.run();
      if (threads == 1) reference = bits;
      else if (std::memcmp(bits.data(), reference.data(), bits.size() * sizeof(double)) != 0)
        different.append(" ").append(std::to_string(threads));
    }
    differing += different.empty() ? 0 : 1;
    std::printf("  %-14s %s%s\n", s.name().c_str(), different.empty() ? "same bits on 2, 3, 5 threads" :
                "DIFFERENT bits on threads:", different.c_str());
  }
  std::printf("%d of %zu shapes differ between thread counts\n", differing, kShapes.size());
}

void BM_FftwRoundTrip(benchmark::State& state, const Shape& shape) {
  RoundTrip r(shape, static_cast<int>(state.range(0)));
  for (auto _ : state) {
    fftw_execute(r.forward);
    fftw_execute(r.backward);
    benchmark::DoNotOptimize(r.out);
    benchmark::ClobberMemory();
  }
}

}  // namespace

int main(int argc, char** argv) {
  fftw_init_threads();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  print_bit_check();
  for (const Shape& s : kShapes)
    benchmark::RegisterBenchmark(("BM_FftwRoundTrip/" + s.name()).c_str(), BM_FftwRoundTrip, s)
        ->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  fftw_cleanup_threads();
  return 0;
}
