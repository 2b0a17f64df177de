// The MPI side of `blobflow study` (study_mpi.cpp, the only file that includes mpi.h): when blobflow is built with
// BLOBFLOW_WITH_MPI and started by mpirun with more than one rank, rank 0 coordinates (it expands the study, handles
// --resume, hands out runs one at a time on request and appends every record to runs.jsonl) and the other ranks
// work (they run what they are handed and send each record back). Tasks and records travel as text, so this file
// knows nothing about studies. Without MPI, or outside mpirun, the process is rank 0 of 1 and none of the
// distributed functions is called.
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace blobflow::study_mpi {

/// This process's place in the job: rank 0 of 1 unless MPI was started by a StudyMpiSession.
struct Place {
  int rank = 0;
  int size = 1;
};

/// The place of this process (rank 0 of 1 when no session is alive).
Place place();

/// Coordinator (rank 0), after its setup: an exit code of 0 lets the workers start; any other code makes every
/// worker end with it (a bad study, printed once by rank 0).
void announce(int exit_code);

/// Worker (rank > 0): waits for the coordinator's announcement and returns its exit code (0: start working).
int await_announcement();

/// Coordinator: serves the workers on the calling thread until every worker rank has finished. `take` gives the
/// next task (std::nullopt when none is left) and is called once per request; `store` receives each finished
/// record. Both may be called concurrently with the coordinator's own worker threads and must synchronize.
void coordinate(const std::function<std::optional<std::string>()>& take,
                const std::function<void(const std::string&)>& store);

/// Worker: `threads` threads each ask the coordinator for a task, run `execute` on it and send the record back with
/// the next request, until the coordinator has none left.
void work(unsigned threads, const std::function<std::string(const std::string&)>& execute);

}  // namespace blobflow::study_mpi
