//! NVRTC, loaded by its soname (CUDA 13 or 12), turning the kernel's
//! source into an image the driver loads: a CUBIN for the device's own
//! architecture where NVRTC knows it, else PTX for the highest architecture
//! NVRTC knows, which the driver compiles for the device when it loads it.
//!
//! cudarc's own NVRTC binding is built for one CUDA major version and
//! panics when its library is missing, so the few NVRTC calls the kernel
//! needs are bound here, by name, through libloading. Compiled images are
//! kept on disk ([`cache_dir`]), keyed by the source, NVRTC's version, the
//! target and the driver, so a process pays for NVRTC once per machine.

use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The sonames tried, newest first.
pub(crate) const SONAMES: &[&str] = if cfg!(windows) {
    &["nvrtc64_130_0.dll", "nvrtc64_120_0.dll"]
} else {
    &["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so"]
};

/// What to install when no NVRTC loads.
pub(crate) const INSTALL_HINT: &str = "install the CUDA toolkit, or `pip install nvidia-cuda-nvrtc-cu12` \
     (or -cu13) and put its lib folder on LD_LIBRARY_PATH";

/// What a compilation produces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// Machine code for `sm_N` (N = 10 major + minor).
    Cubin(u32),
    /// PTX for `compute_N`, compiled by the driver at load time.
    Ptx(u32),
}

impl Target {
    /// NVRTC's `--gpu-architecture` value.
    pub(crate) fn arch_option(self) -> String {
        match self {
            Target::Cubin(a) => format!("sm_{a}"),
            Target::Ptx(a) => format!("compute_{a}"),
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Cubin(a) => write!(f, "CUBIN for sm_{a}"),
            Target::Ptx(a) => write!(f, "PTX for compute_{a}"),
        }
    }
}

/// The target for a device of architecture `device` (10 major + minor)
/// given the architectures NVRTC supports: a CUBIN when NVRTC knows the
/// device, else PTX for the highest supported architecture below it (the
/// driver compiles PTX forward, never backward). An error when the device
/// is older than everything this NVRTC supports.
pub(crate) fn plan(device: u32, supported: &[u32]) -> Result<Target, String> {
    if supported.contains(&device) {
        return Ok(Target::Cubin(device));
    }
    match supported.iter().copied().filter(|&a| a <= device).max() {
        Some(a) => Ok(Target::Ptx(a)),
        None => Err(format!(
            "this NVRTC supports compute capabilities {} and up, not the device's {}.{}: \
             install an older CUDA toolkit's NVRTC (e.g. `pip install nvidia-cuda-nvrtc-cu12`)",
            supported
                .iter()
                .min()
                .map_or("none".to_string(), |a| format!("{}.{}", a / 10, a % 10)),
            device / 10,
            device % 10
        )),
    }
}

type Program = *mut c_void;
type Status = c_int;

/// NVRTC's entry points, resolved once.
pub(crate) struct Nvrtc {
    _lib: libloading::Library,
    /// The soname that loaded.
    pub(crate) soname: &'static str,
    /// (major, minor).
    pub(crate) version: (i32, i32),
    create: unsafe extern "C" fn(
        *mut Program,
        *const c_char,
        *const c_char,
        c_int,
        *const *const c_char,
        *const *const c_char,
    ) -> Status,
    compile: unsafe extern "C" fn(Program, c_int, *const *const c_char) -> Status,
    destroy: unsafe extern "C" fn(*mut Program) -> Status,
    log_size: unsafe extern "C" fn(Program, *mut usize) -> Status,
    log: unsafe extern "C" fn(Program, *mut c_char) -> Status,
    ptx_size: unsafe extern "C" fn(Program, *mut usize) -> Status,
    ptx: unsafe extern "C" fn(Program, *mut c_char) -> Status,
    cubin_size: unsafe extern "C" fn(Program, *mut usize) -> Status,
    cubin: unsafe extern "C" fn(Program, *mut c_char) -> Status,
    error_string: unsafe extern "C" fn(Status) -> *const c_char,
    num_archs: unsafe extern "C" fn(*mut c_int) -> Status,
    archs: unsafe extern "C" fn(*mut c_int) -> Status,
}

/// NVRTC, loaded once per process, or why it cannot be.
pub(crate) fn load() -> Result<&'static Nvrtc, String> {
    static NVRTC: OnceLock<Result<Nvrtc, String>> = OnceLock::new();
    NVRTC.get_or_init(open).as_ref().map_err(Clone::clone)
}

fn open() -> Result<Nvrtc, String> {
    let mut tried = Vec::new();
    for &soname in SONAMES {
        // SAFETY: loading NVRTC runs only its own initialisers; nothing of
        // ours is shared with it.
        match unsafe { libloading::Library::new(soname) } {
            Ok(lib) => return bind(lib, soname),
            Err(e) => tried.push(format!("{soname}: {e}")),
        }
    }
    Err(format!("NVRTC cannot be loaded ({}): {INSTALL_HINT}", tried.join("; ")))
}

fn bind(lib: libloading::Library, soname: &'static str) -> Result<Nvrtc, String> {
    macro_rules! sym {
        ($name:literal) => {
            // SAFETY: the symbol is NVRTC's C function of that name, and the
            // field it is stored in has its C signature (nvrtc.h, stable
            // since CUDA 11.2).
            *unsafe { lib.get($name) }.map_err(|e| {
                format!(
                    "{soname} lacks {}: {e}",
                    String::from_utf8_lossy(&$name[..$name.len() - 1])
                )
            })?
        };
    }
    let version: unsafe extern "C" fn(*mut c_int, *mut c_int) -> Status = sym!(b"nvrtcVersion\0");
    let mut n = Nvrtc {
        soname,
        version: (0, 0),
        create: sym!(b"nvrtcCreateProgram\0"),
        compile: sym!(b"nvrtcCompileProgram\0"),
        destroy: sym!(b"nvrtcDestroyProgram\0"),
        log_size: sym!(b"nvrtcGetProgramLogSize\0"),
        log: sym!(b"nvrtcGetProgramLog\0"),
        ptx_size: sym!(b"nvrtcGetPTXSize\0"),
        ptx: sym!(b"nvrtcGetPTX\0"),
        cubin_size: sym!(b"nvrtcGetCUBINSize\0"),
        cubin: sym!(b"nvrtcGetCUBIN\0"),
        error_string: sym!(b"nvrtcGetErrorString\0"),
        num_archs: sym!(b"nvrtcGetNumSupportedArchs\0"),
        archs: sym!(b"nvrtcGetSupportedArchs\0"),
        _lib: lib,
    };
    let (mut major, mut minor) = (0, 0);
    // SAFETY: two valid out-pointers.
    n.check(unsafe { version(&mut major, &mut minor) }, "nvrtcVersion")?;
    n.version = (major, minor);
    Ok(n)
}

impl Nvrtc {
    fn check(&self, status: Status, what: &str) -> Result<(), String> {
        if status == 0 {
            return Ok(());
        }
        // SAFETY: nvrtcGetErrorString returns a static C string for any
        // status value.
        let text = unsafe { CStr::from_ptr((self.error_string)(status)) }.to_string_lossy();
        Err(format!("{what}: {text}"))
    }

    /// The architectures (10 major + minor) this NVRTC compiles for.
    pub(crate) fn supported_archs(&self) -> Result<Vec<u32>, String> {
        let mut n: c_int = 0;
        // SAFETY: a valid out-pointer.
        self.check(unsafe { (self.num_archs)(&mut n) }, "nvrtcGetNumSupportedArchs")?;
        let mut v = vec![0 as c_int; n.max(0) as usize];
        // SAFETY: `v` holds the `n` ints NVRTC writes.
        self.check(unsafe { (self.archs)(v.as_mut_ptr()) }, "nvrtcGetSupportedArchs")?;
        Ok(v.into_iter().filter_map(|a| u32::try_from(a).ok()).collect())
    }

    /// "NVRTC 12.9 (libnvrtc.so.12)".
    pub(crate) fn describe(&self) -> String {
        format!("NVRTC {}.{} ({})", self.version.0, self.version.1, self.soname)
    }

    /// Compiles `source` for `target`; returns the image (the PTX text
    /// with its terminating NUL, or the CUBIN).
    pub(crate) fn compile(&self, source: &str, name: &str, target: Target) -> Result<Vec<u8>, String> {
        let src = CString::new(source).map_err(|_| "the kernel source holds a NUL byte".to_string())?;
        let name = CString::new(name).map_err(|_| "the kernel name holds a NUL byte".to_string())?;
        let opts = [CString::new(format!("--gpu-architecture={}", target.arch_option()))
            .map_err(|_| "the target holds a NUL byte".to_string())?];
        let opt_ptrs: Vec<*const c_char> = opts.iter().map(|o| o.as_ptr()).collect();
        let mut prog: Program = std::ptr::null_mut();
        // SAFETY: valid C strings, no headers; `prog` is an out-pointer.
        self.check(
            unsafe {
                (self.create)(
                    &mut prog,
                    src.as_ptr(),
                    name.as_ptr(),
                    0,
                    std::ptr::null(),
                    std::ptr::null(),
                )
            },
            "nvrtcCreateProgram",
        )?;
        let out = self.compile_program(prog, &opt_ptrs, target);
        // SAFETY: `prog` was created above and is destroyed once.
        let _ = unsafe { (self.destroy)(&mut prog) };
        out
    }

    fn compile_program(&self, prog: Program, opts: &[*const c_char], target: Target) -> Result<Vec<u8>, String> {
        // SAFETY: `prog` is live; `opts` holds valid C strings.
        let status = unsafe { (self.compile)(prog, opts.len() as c_int, opts.as_ptr()) };
        if status != 0 {
            let log = self.read(prog, self.log_size, self.log).unwrap_or_default();
            let log = String::from_utf8_lossy(&log);
            return Err(format!(
                "{} cannot compile the k-mer kernel to {target}: {}",
                self.describe(),
                log.trim_end_matches('\0').trim()
            ));
        }
        match target {
            Target::Cubin(_) => self.read(prog, self.cubin_size, self.cubin),
            Target::Ptx(_) => self.read(prog, self.ptx_size, self.ptx),
        }
    }

    fn read(
        &self,
        prog: Program,
        size: unsafe extern "C" fn(Program, *mut usize) -> Status,
        get: unsafe extern "C" fn(Program, *mut c_char) -> Status,
    ) -> Result<Vec<u8>, String> {
        let mut n = 0usize;
        // SAFETY: `prog` is live; `n` is an out-pointer.
        self.check(unsafe { size(prog, &mut n) }, "NVRTC size query")?;
        let mut buf = vec![0u8; n];
        // SAFETY: `buf` holds the `n` bytes NVRTC writes.
        self.check(unsafe { get(prog, buf.as_mut_ptr().cast()) }, "NVRTC output")?;
        Ok(buf)
    }
}

/// Where compiled kernels are kept: `$TRIBIT_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/tribit`, else `~/.cache/tribit`; `None` when none is
/// known (then nothing is cached).
pub(crate) fn cache_dir() -> Option<PathBuf> {
    let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    var("TRIBIT_CACHE_DIR")
        .or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("tribit")))
        .or_else(|| var("HOME").map(|d| d.join(".cache").join("tribit")))
        .map(|d| d.join("kernels"))
}

/// The cache file of an image: one name per source, NVRTC version, target
/// and driver.
pub(crate) fn cache_path(dir: &Path, source: &str, nvrtc: (i32, i32), target: Target, driver: i32) -> PathBuf {
    let key = format!("{}.{} {} {driver}\n{source}", nvrtc.0, nvrtc.1, target.arch_option());
    let h = xxhash_rust::xxh3::xxh3_64(key.as_bytes());
    let ext = match target {
        Target::Cubin(_) => "cubin",
        Target::Ptx(_) => "ptx",
    };
    dir.join(format!("tribit-kmer-{}-{h:016x}.{ext}", target.arch_option()))
}

/// Writes `image` to `path` by a temporary file and a rename, so a reader
/// never sees half an image. Failures are ignored: the cache is an
/// optimisation.
pub(crate) fn cache_store(path: &Path, image: &[u8]) {
    let Some(dir) = path.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    if let Ok(mut tmp) = tempfile::NamedTempFile::new_in(dir) {
        use std::io::Write;
        if tmp.write_all(image).is_ok() {
            let _ = tmp.persist(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_device_architecture_gets_a_cubin_else_ptx_below_it() {
        let known = [75, 80, 86, 89, 90];
        assert_eq!(plan(90, &known), Ok(Target::Cubin(90)));
        // A device newer than NVRTC: PTX for the newest NVRTC knows.
        assert_eq!(plan(120, &known), Ok(Target::Ptx(90)));
        // Between two known ones: the highest below, never one above.
        assert_eq!(plan(87, &known), Ok(Target::Ptx(86)));
        let e = plan(61, &known).unwrap_err();
        assert!(e.contains("7.5 and up") && e.contains("6.1"), "{e}");
        assert!(plan(61, &[]).unwrap_err().contains("none"));
    }

    #[test]
    fn cuda_13_is_tried_before_cuda_12() {
        let pos = |s: &str| SONAMES.iter().position(|n| n.contains(s));
        assert!(pos("13").unwrap() < pos("12").unwrap());
    }

    #[test]
    fn the_cache_key_changes_with_everything_that_changes_the_image() {
        let d = Path::new("/c");
        let a = cache_path(d, "src", (12, 9), Target::Cubin(90), 12040);
        assert_eq!(a, cache_path(d, "src", (12, 9), Target::Cubin(90), 12040));
        for b in [
            cache_path(d, "src2", (12, 9), Target::Cubin(90), 12040),
            cache_path(d, "src", (13, 0), Target::Cubin(90), 12040),
            cache_path(d, "src", (12, 9), Target::Ptx(90), 12040),
            cache_path(d, "src", (12, 9), Target::Cubin(90), 12080),
        ] {
            assert_ne!(a, b);
        }
        assert!(a.to_string_lossy().ends_with(".cubin"));
    }

    #[test]
    fn a_stored_image_reads_back_whole() {
        let dir = tempfile::tempdir().unwrap();
        let p = cache_path(&dir.path().join("k"), "s", (12, 9), Target::Ptx(80), 1);
        cache_store(&p, b"image bytes");
        assert_eq!(std::fs::read(&p).unwrap(), b"image bytes");
        // No temporary file is left beside it.
        assert_eq!(std::fs::read_dir(p.parent().unwrap()).unwrap().count(), 1);
    }

    /// With NVRTC present (CI installs it from PyPI), the kernel compiles to
    /// a CUBIN (an ELF image) and to PTX for the architectures it names.
    #[test]
    fn nvrtc_compiles_the_kernel_to_cubin_and_ptx() {
        let n = match load() {
            Ok(n) => n,
            Err(why) => return crate::kmer::skip_unless_gpu_required(&why),
        };
        let archs = n.supported_archs().unwrap();
        assert!(!archs.is_empty());
        let top = *archs.iter().max().unwrap();
        let cubin = n
            .compile(super::super::kernel::SOURCE, "k.cu", Target::Cubin(top))
            .unwrap();
        assert_eq!(&cubin[..4], b"\x7fELF", "{}", n.describe());
        let ptx = n
            .compile(super::super::kernel::SOURCE, "k.cu", Target::Ptx(top))
            .unwrap();
        let text = String::from_utf8_lossy(&ptx);
        assert!(text.contains(&format!(".target sm_{top}")), "{text:.300}");
        assert!(text.contains(super::super::kernel::ENTRY));
        // A broken source names NVRTC and the target in its error.
        let e = n.compile("this is not C++", "bad.cu", Target::Ptx(top)).unwrap_err();
        assert!(e.contains("NVRTC") && e.contains(&format!("compute_{top}")), "{e}");
    }
}
