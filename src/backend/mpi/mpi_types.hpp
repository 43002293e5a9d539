#pragma once
// MPI datatypes and reduction ops for collbench's types. MPI has no half, bfloat16, fp8 or average:
// half, bfloat16 and fp8 travel as 16/8-bit words reduced by user-defined ops (float arithmetic,
// rounded to nearest even), and avg is a sum followed by one division by the rank count.
#include <mpi.h>

#include <cstdint>
#include <string>

#include "core/datatype.hpp"
#include "core/redop.hpp"

namespace collbench::backend::mpi {

class MpiTypes {
 public:
  MpiTypes();
  ~MpiTypes();
  MpiTypes(const MpiTypes&) = delete;
  MpiTypes& operator=(const MpiTypes&) = delete;

  MPI_Datatype datatype(core::DataType t) const;
  MPI_Op op(core::DataType t, core::RedOp op) const;

 private:
  MPI_Op m_half[4]{};  // sum, prod, min, max
  MPI_Op m_bf16[4]{};
  MPI_Op m_e4m3[4]{};
  MPI_Op m_e5m2[4]{};
};

// Throws core::RunError "<what> failed: <MPI's message>" unless rc is MPI_SUCCESS.
void check_mpi(int rc, const char* what);

// The first line of MPI_Get_library_version, e.g. "Open MPI v4.1.4, package: …".
std::string library_version();

// avg's final step: divides `count` elements by `nranks` in the data type's precision.
void divide_by_ranks(core::DataType t, void* buf, std::uint64_t count, int nranks);

}  // namespace collbench::backend::mpi
