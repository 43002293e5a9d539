#include "backend/mpi/mpi_t.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <vector>

#include "core/error.hpp"

namespace collbench::backend::mpi {

namespace {

// MPI_T is initialised once and kept until finish_mpi_t: Open MPI's MPI_T_init_thread and
// MPI_T_finalize cost about a quarter of a second each time on this machine kind (they open and
// close its components), more than most measured cases.
bool g_mpi_t_open = false;

void ensure_mpi_t() {
  if (g_mpi_t_open) return;
  int provided = 0;
  if (MPI_T_init_thread(MPI_THREAD_SINGLE, &provided) != MPI_SUCCESS) throw core::RunError("MPI_T_init_thread failed");
  g_mpi_t_open = true;
}

// One control variable (not bound to an object: MPI_T_BIND_NO_OBJECT), with its value when first
// looked up: the process's own, which each configured dup puts back.
class ControlVariable {
 public:
  ControlVariable(const std::string& name, bool writable) : m_name(name), m_writable(writable) {
    int index = -1;
    if (MPI_T_cvar_get_index(name.c_str(), &index) != MPI_SUCCESS)
      throw core::InputError(fmt::format("{}: this Open MPI has no such control variable (ompi_info --param coll tuned --level 9 lists them)", name));
    char vname[256], desc[1024];
    int vlen = sizeof vname, dlen = sizeof desc, verbosity = 0, bind = 0, scope = 0;
    MPI_T_enum enumtype = MPI_T_ENUM_NULL;
    if (MPI_T_cvar_get_info(index, vname, &vlen, &verbosity, &m_type, &enumtype, desc, &dlen, &bind, &scope) != MPI_SUCCESS)
      throw core::RunError(fmt::format("MPI_T_cvar_get_info({}) failed", name));
    if (writable && (scope == MPI_T_SCOPE_CONSTANT || scope == MPI_T_SCOPE_READONLY))
      throw core::InputError(fmt::format("{}: read-only in this Open MPI; it cannot be set per communicator", name));
    if (m_type != MPI_INT && m_type != MPI_UNSIGNED && m_type != MPI_LONG && m_type != MPI_UNSIGNED_LONG &&
        m_type != MPI_LONG_LONG && m_type != MPI_UNSIGNED_LONG_LONG && m_type != MPI_C_BOOL)
      throw core::InputError(fmt::format("{}: not an integer or boolean control variable", name));
    int count = 0;
    if (MPI_T_cvar_handle_alloc(index, nullptr, &m_handle, &count) != MPI_SUCCESS || count != 1)
      throw core::RunError(fmt::format("MPI_T_cvar_handle_alloc({}) failed", name));
    m_saved = read();
  }
  ~ControlVariable() { MPI_T_cvar_handle_free(&m_handle); }
  ControlVariable(const ControlVariable&) = delete;
  ControlVariable& operator=(const ControlVariable&) = delete;

  void set(const std::string& text) {
    long long v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size())
      throw core::InputError(fmt::format("{}='{}': expected an integer", m_name, text));
    const int rc = write(v);
    if (rc != MPI_SUCCESS) throw core::RunError(fmt::format("MPI_T_cvar_write({}, {}) returned {}", m_name, v, rc));
  }
  void restore() {
    if (m_writable) write(m_saved);  // the value it had; best effort (called on unwinding too)
  }
  long long read() const {
    unsigned char buf[16] = {};  // large enough for any integer type above
    MPI_T_cvar_read(m_handle, buf);
    if (m_type == MPI_C_BOOL) return as<bool>(buf) ? 1 : 0;
    if (m_type == MPI_INT) return as<int>(buf);
    if (m_type == MPI_UNSIGNED) return as<unsigned>(buf);
    if (m_type == MPI_LONG) return as<long>(buf);
    if (m_type == MPI_UNSIGNED_LONG) return static_cast<long long>(as<unsigned long>(buf));
    return as<long long>(buf);
  }

 private:
  template <class T>
  static T as(const unsigned char* bytes) {
    T v;
    std::memcpy(&v, bytes, sizeof v);
    return v;
  }
  int write(long long v) {
    if (m_type == MPI_C_BOOL) {
      bool b = v != 0;
      return MPI_T_cvar_write(m_handle, &b);
    }
    if (m_type == MPI_INT || m_type == MPI_UNSIGNED) {
      int i = static_cast<int>(v);
      return MPI_T_cvar_write(m_handle, &i);
    }
    if (m_type == MPI_LONG || m_type == MPI_UNSIGNED_LONG) {
      long l = static_cast<long>(v);
      return MPI_T_cvar_write(m_handle, &l);
    }
    return MPI_T_cvar_write(m_handle, &v);
  }
  std::string m_name;
  bool m_writable = true;
  MPI_Datatype m_type = MPI_INT;
  MPI_T_cvar_handle m_handle = MPI_T_CVAR_HANDLE_NULL;
  long long m_saved = 0;
};

// The variables looked up while MPI_T is open (a lookup scans every variable by name).
std::map<std::string, std::unique_ptr<ControlVariable>>& known_variables() {
  static std::map<std::string, std::unique_ptr<ControlVariable>> known;
  return known;
}

ControlVariable& variable(const std::string& name, bool writable) {
  auto& known = known_variables();
  auto it = known.find(name);
  if (it == known.end()) it = known.emplace(name, std::make_unique<ControlVariable>(name, writable)).first;
  return *it->second;
}

// Whether coll/tuned honours forced algorithms in this process: Open MPI reads
// coll_tuned_use_dynamic_rules at MPI_Init only (writing it later is refused), and ignores every
// algorithm written without it.
bool dynamic_rules_enabled() {
  ensure_mpi_t();
  return variable("coll_tuned_use_dynamic_rules", false).read() != 0;
}

}  // namespace

MPI_Comm configured_dup(MPI_Comm parent, const ControlSettings& settings) {
  MPI_Comm comm = MPI_COMM_NULL;
  if (settings.empty()) {
    if (MPI_Comm_dup(parent, &comm) != MPI_SUCCESS) throw core::RunError("MPI_Comm_dup failed");
    return comm;
  }
  ensure_mpi_t();
  bool tuned = false;
  for (const auto& [name, value] : settings) tuned = tuned || name.starts_with("coll_tuned_");
  if (tuned && !dynamic_rules_enabled())
    throw core::InputError("coll_tuned settings per communicator need OMPI_MCA_coll_tuned_use_dynamic_rules=1 in every "
                           "rank's environment at launch: without it Open MPI ignores them (a sweep sets it)");
  // Written just before the dup, put back right after it (or when a write fails).
  struct Restore {
    std::vector<ControlVariable*> written;
    ~Restore() {
      for (ControlVariable* v : written) v->restore();
    }
  } restore;
  for (const auto& [name, value] : settings) {
    ControlVariable& v = variable(name, true);
    restore.written.push_back(&v);
    v.set(value);
  }
  if (MPI_Comm_dup(parent, &comm) != MPI_SUCCESS) throw core::RunError("MPI_Comm_dup failed");
  return comm;
}

void finish_mpi_t() {
  if (!g_mpi_t_open) return;
  known_variables().clear();  // frees the handles
  MPI_T_finalize();
  g_mpi_t_open = false;
}

}  // namespace collbench::backend::mpi
