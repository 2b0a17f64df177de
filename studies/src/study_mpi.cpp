// `blobflow study` over MPI ranks (see study_mpi.hpp): the message protocol and the MPI session. Without
// BLOBFLOW_HAVE_MPI (the build option BLOBFLOW_WITH_MPI off) the session does nothing and the process is always
// rank 0 of 1, so the distributed functions are never reached.
//
// Protocol (one communicator, MPI_COMM_WORLD; every payload is text, sent as MPI_CHAR):
//   0 -> all   MPI_Bcast of one int after rank 0's setup: 0 go, else the exit code every rank ends with.
//   w -> 0     kTagRequest: the record of the worker thread's previous task, or empty for its first request.
//   0 -> w     kTagTask: the next task, or empty when none is left (that worker thread stops).
//   w -> 0     kTagFinished, empty: every thread of rank w has stopped; rank 0 serves until all ranks did.
// A worker rank's threads take turns (a mutex) for each request + reply pair, so a reply always answers the
// request of the thread that waits for it (MPI keeps the order of messages between two ranks). Rank 0 calls MPI
// from its main thread only; its own worker threads never touch MPI.
#include "study_mpi.hpp"

#include <cstdlib>
#include <stdexcept>
#include <string>

#include "blobflow/studies/study.hpp"

#ifdef BLOBFLOW_HAVE_MPI
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <mutex>
#include <thread>
#include <vector>
#endif

namespace blobflow {
namespace study_mpi {
namespace {

Place g_place;  // set by StudyMpiSession while MPI is up

#ifdef BLOBFLOW_HAVE_MPI
constexpr int kTagRequest = 1;
constexpr int kTagTask = 2;
constexpr int kTagFinished = 3;
// The coordinator polls for requests (MPI_Iprobe) and sleeps this long between empty polls, so that it does not
// spin a core that its own worker threads need; runs take milliseconds to minutes, so the delay is negligible.
constexpr auto kPollInterval = std::chrono::milliseconds(1);

void check(int code, const char* what) {
  if (code != MPI_SUCCESS) throw std::runtime_error(std::string("MPI: ") + what + " failed");
}

void send_text(const std::string& text, int destination, int tag) {
  if (text.size() > static_cast<std::size_t>(INT_MAX)) throw std::runtime_error("MPI: message over 2 GiB");
  check(MPI_Send(text.data(), static_cast<int>(text.size()), MPI_CHAR, destination, tag, MPI_COMM_WORLD), "MPI_Send");
}

/// Receives the message that `status` (from a probe) describes.
std::string receive_probed(const MPI_Status& status) {
  int count = 0;
  check(MPI_Get_count(&status, MPI_CHAR, &count), "MPI_Get_count");
  std::string text(static_cast<std::size_t>(count), '\0');
  check(MPI_Recv(text.data(), count, MPI_CHAR, status.MPI_SOURCE, status.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE),
        "MPI_Recv");
  return text;
}

std::string receive_text(int source, int tag) {
  MPI_Status status;
  check(MPI_Probe(source, tag, MPI_COMM_WORLD, &status), "MPI_Probe");
  return receive_probed(status);
}
#endif

}  // namespace

Place place() { return g_place; }

#ifdef BLOBFLOW_HAVE_MPI

void announce(int exit_code) { check(MPI_Bcast(&exit_code, 1, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Bcast"); }

int await_announcement() {
  int exit_code = 0;
  check(MPI_Bcast(&exit_code, 1, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Bcast");
  return exit_code;
}

void coordinate(const std::function<std::optional<std::string>()>& take,
                const std::function<void(const std::string&)>& store) {
  for (int finished = 0; finished < g_place.size - 1;) {
    int arrived = 0;
    MPI_Status status;
    check(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &arrived, &status), "MPI_Iprobe");
    if (!arrived) {
      std::this_thread::sleep_for(kPollInterval);
      continue;
    }
    const std::string record = receive_probed(status);
    if (status.MPI_TAG == kTagFinished) {
      ++finished;
      continue;
    }
    if (!record.empty()) store(record);
    send_text(take().value_or(std::string()), status.MPI_SOURCE, kTagTask);
  }
}

void work(unsigned threads, const std::function<std::string(const std::string&)>& execute) {
  std::mutex turn;  // one request + reply pair at a time (MPI_THREAD_SERIALIZED)
  auto worker = [&] {
    std::string record;  // the previous task's record; empty before the first
    for (;;) {
      std::string task;
      {
        std::lock_guard lock(turn);
        send_text(record, 0, kTagRequest);
        task = receive_text(0, kTagTask);
      }
      if (task.empty()) return;
      record = execute(task);
    }
  };
  {
    std::vector<std::jthread> pool;
    for (unsigned t = 0; t < std::max(1u, threads); ++t) pool.emplace_back(worker);
  }
  send_text(std::string(), 0, kTagFinished);
}

#else

namespace {
[[noreturn]] void unavailable() { throw std::logic_error("blobflow was built without MPI (BLOBFLOW_WITH_MPI=OFF)"); }
}  // namespace

void announce(int) { unavailable(); }
int await_announcement() { unavailable(); }
void coordinate(const std::function<std::optional<std::string>()>&, const std::function<void(const std::string&)>&) {
  unavailable();
}
void work(unsigned, const std::function<std::string(const std::string&)>&) { unavailable(); }

#endif

}  // namespace study_mpi

#ifdef BLOBFLOW_HAVE_MPI
namespace {

/// Whether an MPI launcher started this process: OpenMPI's mpirun, or a PMI/PMIx launcher (MPICH's, Slurm's).
bool launched_by_mpirun() {
  for (const char* variable : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"})
    if (std::getenv(variable)) return true;
  return false;
}

}  // namespace
#endif

StudyMpiSession::StudyMpiSession() {
#ifdef BLOBFLOW_HAVE_MPI
  if (!launched_by_mpirun()) return;
  int provided = 0;
  if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS)
    throw std::runtime_error("MPI_Init_thread failed");
  started_ = true;
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  // Worker ranks run several threads that call MPI in turn: that needs MPI_THREAD_SERIALIZED.
  if (size > 1 && provided < MPI_THREAD_SERIALIZED) {
    MPI_Finalize();
    started_ = false;
    throw std::runtime_error("the MPI library does not provide MPI_THREAD_SERIALIZED");
  }
  study_mpi::g_place = {rank, size};
#endif
}

StudyMpiSession::~StudyMpiSession() {
#ifdef BLOBFLOW_HAVE_MPI
  if (started_) MPI_Finalize();
#endif
  study_mpi::g_place = {};
}

int StudyMpiSession::rank() const { return study_mpi::place().rank; }

int StudyMpiSession::size() const { return study_mpi::place().size; }

}  // namespace blobflow
