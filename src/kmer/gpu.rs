//! The CUDA path (feature `cuda`): [`super::kernel::SOURCE`] compiled by
//! NVRTC ([`super::nvrtc`]) for the device, the planes copied to it, one
//! launch, the counts copied back.
//!
//! cudarc loads libcuda on first use and panics when it cannot, so
//! [`probe`] looks for it first and every entry point turns a missing
//! library or device into a clear error. The device (its context) is opened
//! once per process and the kernel built and loaded once per process (from
//! the on-disk cache when an earlier process compiled it), both on first
//! use. All the `unsafe` of the GPU path lives here and in
//! [`super::nvrtc`] (the CPU path has two calls of its own, into
//! `#[target_feature]` kernels after feature detection).

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Once, OnceLock};

use std::time::Instant;

use cudarc::driver::{CudaContext, CudaFunction, CudaSlice, LaunchConfig, PinnedHostSlice, PushKernelArg};
use cudarc::nvrtc::Ptx;

use super::kernel::{self, BLOCK_THREADS, COMPILES, ENTRY, PAD_WORDS, SOURCE};
use super::nvrtc::{self, Target};
use super::{Counts, Patterns, Query, ScanOptions, ScanPath};
use crate::error::{Error, ErrorKind, Result};
use crate::sequence::Reader;

fn gpu_error(msg: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Unsupported, format!("--device gpu: {msg}"))
}

/// Whether libcuda (the driver) can be loaded.
fn driver_present() -> bool {
    // SAFETY: `is_culib_present` dlopens each name on cudarc's list and
    // drops the handle; loading the driver runs only its own initialisers,
    // and nothing of ours is shared with it.
    unsafe { cudarc::driver::sys::is_culib_present() }
}

thread_local! {
    /// How many `guarded` calls are running on this thread.
    static QUIET: Cell<u32> = const { Cell::new(0) };
}

/// Panics `guarded` caught without printing them (for tests).
static SILENCED: AtomicUsize = AtomicUsize::new(0);

/// Installs, once per process, a panic hook that says nothing for a panic
/// on a thread inside `guarded` (it becomes an error there) and hands every
/// other panic to the hook that was installed before. The flag is per
/// thread, so a panic elsewhere while a guarded call runs is still
/// reported. A hook the application installs later replaces this one;
/// guarded panics then print as well, which is harmless.
fn install_quiet_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if QUIET.try_with(|q| q.get()).unwrap_or(0) > 0 {
                SILENCED.fetch_add(1, Ordering::Relaxed);
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `f`, turning a cudarc panic (a library or symbol it could not load)
/// into an error, without the panic message on stderr.
fn guarded<T>(what: &str, f: impl FnOnce() -> std::result::Result<T, String>) -> std::result::Result<T, String> {
    install_quiet_hook();
    QUIET.with(|q| q.set(q.get() + 1));
    let out = catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(q.get() - 1));
    match out {
        Ok(r) => r,
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown failure".to_string());
            Err(format!("{what}: {msg}"))
        }
    }
}

/// Device 0, opened once.
struct Device {
    ctx: Arc<CudaContext>,
    name: String,
    /// Compute capability (major, minor).
    capability: (i32, i32),
    /// The driver's CUDA version, 1000 major + 10 minor (12040 is 12.4).
    driver: i32,
}

impl Device {
    /// "CUDA driver 12.4".
    fn driver_text(&self) -> String {
        format!("CUDA driver {}.{}", self.driver / 1000, self.driver % 1000 / 10)
    }
}

/// Device 0, or why there is none; looked for once per process.
fn device() -> std::result::Result<&'static Device, String> {
    static DEVICE: OnceLock<std::result::Result<Device, String>> = OnceLock::new();
    DEVICE.get_or_init(open_device).as_ref().map_err(Clone::clone)
}

fn open_device() -> std::result::Result<Device, String> {
    // Before any cudarc call: cudarc panics when a library is missing.
    if !driver_present() {
        return Err("the CUDA driver library (libcuda.so) cannot be loaded: no NVIDIA driver on this machine".into());
    }
    nvrtc::load()?;
    guarded("CUDA driver", || {
        let n = CudaContext::device_count().map_err(|e| format!("CUDA driver error: {e}"))?;
        if n < 1 {
            return Err("the CUDA driver sees no device".into());
        }
        let ctx = CudaContext::new(0).map_err(|e| format!("cannot open CUDA device 0: {e}"))?;
        let name = ctx.name().unwrap_or_else(|_| "CUDA device 0".into());
        let capability = ctx.compute_capability().map_err(|e| e.to_string())?;
        let mut driver = 0;
        // SAFETY: the driver is loaded (the context exists); one out-pointer.
        unsafe { cudarc::driver::sys::cuDriverGetVersion(&mut driver) };
        Ok(Device {
            ctx,
            name,
            capability,
            driver,
        })
    })
}

/// The device a scan would use, or why there is none.
pub(crate) fn probe() -> std::result::Result<String, String> {
    device().map(|d| {
        format!(
            "{} (compute capability {}.{}, {})",
            d.name,
            d.capability.0,
            d.capability.1,
            d.driver_text()
        )
    })
}

/// Kernels built (compiled or read from the cache) and loaded in this
/// process (for tests).
static BUILDS: AtomicUsize = AtomicUsize::new(0);

/// The kernel, built for `d` and loaded, once per process.
fn kernel(d: &'static Device) -> std::result::Result<&'static CudaFunction, String> {
    static KERNEL: OnceLock<std::result::Result<CudaFunction, String>> = OnceLock::new();
    KERNEL.get_or_init(|| build(d)).as_ref().map_err(Clone::clone)
}

/// Compiles the kernel for `d` (or takes the image an earlier process
/// cached) and loads it.
fn build(d: &'static Device) -> std::result::Result<CudaFunction, String> {
    BUILDS.fetch_add(1, Ordering::Relaxed);
    let n = nvrtc::load()?;
    let (maj, min) = d.capability;
    let target = nvrtc::plan((maj * 10 + min) as u32, &n.supported_archs()?)
        .map_err(|e| format!("{} on {}: {e}", n.describe(), d.name))?;
    let cached = nvrtc::cache_dir().map(|dir| nvrtc::cache_path(&dir, SOURCE, n.version, target, d.driver));
    if let Some(image) = cached.as_deref().and_then(|p| std::fs::read(p).ok()) {
        // A cached image that does not load is compiled again.
        if let Ok(f) = load(d, image, target) {
            return Ok(f);
        }
    }
    COMPILES.fetch_add(1, Ordering::Relaxed);
    let image = n.compile(SOURCE, "tribit_kmer.cu", target)?;
    let f = load(d, image.clone(), target).map_err(|e| {
        let hint = match target {
            Target::Ptx(_) => format!(
                "; PTX from NVRTC {}.{} needs a driver of that CUDA version or newer: update the NVIDIA \
                 driver, or install the NVRTC of the driver's CUDA version (e.g. `pip install \
                 'nvidia-cuda-nvrtc-cu12=={}.{}.*'`)",
                n.version.0,
                n.version.1,
                d.driver / 1000,
                d.driver % 1000 / 10
            ),
            Target::Cubin(_) => String::new(),
        };
        format!(
            "cannot load the kernel ({target}, from {}) on {} with {}: {e}{hint}",
            n.describe(),
            d.name,
            d.driver_text()
        )
    })?;
    if let Some(p) = cached {
        nvrtc::cache_store(&p, &image);
    }
    Ok(f)
}

/// Loads `image` (a CUBIN, or PTX text with its NUL) into `d`'s context.
fn load(d: &'static Device, image: Vec<u8>, target: Target) -> std::result::Result<CudaFunction, String> {
    let module = match target {
        Target::Cubin(_) => Ptx::from_binary(image),
        Target::Ptx(_) => {
            let text = String::from_utf8_lossy(&image).trim_end_matches('\0').to_string();
            Ptx::from_src(text)
        }
    };
    guarded("CUDA", || {
        let module = d.ctx.load_module(module).map_err(|e| e.to_string())?;
        module.load_function(ENTRY).map_err(|e| e.to_string())
    })
}

/// Words per plane per upload chunk (8 MiB): the pinned buffers hold two
/// chunks of three planes, so that one chunk is gathered while the other
/// is copied.
const UPLOAD_CHUNK_WORDS: usize = 1 << 20;

/// A file's three planes resident on device 0: uploaded once, then any
/// number of counts, each one launch over the resident planes.
///
/// The upload reads the blocks from the memory map straight into pinned
/// buffers, chunk by chunk (whole blocks each), checking every block as
/// the CPU scan does (its checksum after the copy when the reader
/// verifies, code 6 as *unsupported*), and copies each chunk while the
/// next is gathered. Nothing of the stream is zero-filled or held on the
/// host beyond the two chunks.
pub struct GpuPlanes {
    d: &'static Device,
    planes: [CudaSlice<u64>; 3],
    starts: CudaSlice<u64>,
    words: u64,
    stream_len: u64,
    nseq: usize,
    upload_seconds: f64,
}

impl GpuPlanes {
    /// Uploads `reader`'s planes to device 0.
    pub fn upload(reader: &Reader) -> Result<GpuPlanes> {
        let t = Instant::now();
        let d = device().map_err(gpu_error)?;
        let (stream_len, block_bases, block_count) = reader
            .index_header()
            .map_or((0, 512, 0), |h| (h.stream_len, h.block_bases as u64, h.block_count));
        kernel::check_blocks(reader, block_count)?;
        let starts = super::sequence_starts(reader)?;
        let words = usize::try_from(stream_len.div_ceil(64)).map_err(|_| gpu_error("the stream is too long"))?;
        let per_block = (block_bases / 64).max(1) as usize;
        let cw = kernel::chunk_words(per_block, UPLOAD_CHUNK_WORDS, words);
        let chunks = words.div_ceil(cw);
        let device_words = chunks * cw + PAD_WORDS;
        let mut resident = guarded("CUDA", || -> std::result::Result<Result<GpuPlanes>, String> {
            let e = |e: cudarc::driver::DriverError| format!("CUDA: {e}");
            let (free, total) = d.ctx.mem_get_info().map_err(e)?;
            let need = 3 * device_words * 8 + starts.len() * 8;
            if need > free {
                return Ok(Err(gpu_error(format!(
                    "the planes need {:.2} GB on {}, which has {:.2} of {:.2} GB free; use --device cpu",
                    need as f64 / 1e9,
                    d.name,
                    free as f64 / 1e9,
                    total as f64 / 1e9
                ))));
            }
            let stream = d.ctx.default_stream();
            let mut planes = [
                stream.alloc_zeros::<u64>(device_words).map_err(e)?,
                stream.alloc_zeros::<u64>(device_words).map_err(e)?,
                stream.alloc_zeros::<u64>(device_words).map_err(e)?,
            ];
            let mut pinned = Vec::with_capacity(2);
            for _ in 0..chunks.min(2) {
                // SAFETY: the buffers are written in full (gathered words,
                // then zeros) before each copy reads them.
                let set: [PinnedHostSlice<u64>; 3] = [
                    unsafe { d.ctx.alloc_pinned::<u64>(cw) }.map_err(e)?,
                    unsafe { d.ctx.alloc_pinned::<u64>(cw) }.map_err(e)?,
                    unsafe { d.ctx.alloc_pinned::<u64>(cw) }.map_err(e)?,
                ];
                pinned.push(set);
            }
            for c in 0..chunks {
                let (lo, hi) = (c * cw, ((c + 1) * cw).min(words));
                let [h0, h1, h2] = &mut pinned[c % 2];
                {
                    // Each waits for the copy that last read its buffer.
                    let (s0, s1, s2) = (
                        h0.as_mut_slice().map_err(e)?,
                        h1.as_mut_slice().map_err(e)?,
                        h2.as_mut_slice().map_err(e)?,
                    );
                    let n = hi - lo;
                    let gathered = kernel::gather_range(
                        reader,
                        (lo / per_block) as u64,
                        block_bases,
                        stream_len,
                        [&mut s0[..n], &mut s1[..n], &mut s2[..n]],
                    );
                    match gathered {
                        Err(err) => return Ok(Err(err)),
                        Ok(Some(pos)) => return Ok(Err(super::reference_escape_error(reader, pos))),
                        Ok(None) => {}
                    }
                    for s in [s0, s1, s2] {
                        s[n..].fill(0);
                    }
                }
                for (dst, src) in planes.iter_mut().zip([&*h0, &*h1, &*h2]) {
                    stream.memcpy_htod(src, &mut dst.slice_mut(lo..lo + cw)).map_err(e)?;
                }
            }
            let starts_dev = stream.clone_htod(&starts).map_err(e)?;
            stream.synchronize().map_err(e)?;
            Ok(Ok(GpuPlanes {
                d,
                planes,
                starts: starts_dev,
                words: words as u64,
                stream_len,
                nseq: starts.len() - 1,
                upload_seconds: 0.0,
            }))
        })
        .map_err(gpu_error)??;
        resident.upload_seconds = t.elapsed().as_secs_f64();
        Ok(resident)
    }

    /// Seconds the upload took (checks and copies included).
    pub fn upload_seconds(&self) -> f64 {
        self.upload_seconds
    }

    /// The device, as [`super::gpu_available`] names it.
    pub fn device(&self) -> String {
        probe().unwrap_or_default()
    }

    /// Counts `queries` over the resident planes (SPEC §14): one launch.
    pub fn count(&self, queries: &[Query], options: &ScanOptions) -> Result<Counts> {
        super::check_queries(queries, options)?;
        let pats = Patterns::new(queries, options.both_strands);
        let patterns = kernel::encode_patterns(&pats);
        let f = kernel(self.d).map_err(gpu_error)?;
        let np = pats.codes.len();
        let per_sequence = options.per_sequence;
        let len = if per_sequence { self.nseq * np } else { np };
        let raw = guarded("CUDA", || {
            let stream = self.d.ctx.default_stream();
            let e = |e: cudarc::driver::DriverError| format!("CUDA: {e}");
            let pats_dev = stream.clone_htod(&patterns).map_err(e)?;
            let mut counts = stream.alloc_zeros::<u64>(len.max(1)).map_err(e)?;
            let (words, stream_len) = (self.words, self.stream_len);
            let (npat, nseq, per) = (np as u32, self.nseq as u64, per_sequence as u32);
            let mismatches = options.mismatches() as u32;
            let cfg = LaunchConfig {
                grid_dim: (kernel::grid(words), 1, 1),
                block_dim: (BLOCK_THREADS, 1, 1),
                shared_mem_bytes: 0,
            };
            let mut launch = stream.launch_builder(f);
            launch
                .arg(&self.planes[0])
                .arg(&self.planes[1])
                .arg(&self.planes[2])
                .arg(&words)
                .arg(&stream_len)
                .arg(&pats_dev)
                .arg(&npat)
                .arg(&self.starts)
                .arg(&nseq)
                .arg(&per)
                .arg(&mismatches)
                .arg(&mut counts);
            // SAFETY: the arguments match the kernel's signature in
            // kernel.cu one for one (three plane pointers, u64 words, u64
            // stream_len, pattern pointer, u32 npat, starts pointer, u64
            // nseq, u32 per_seq, u32 mismatches, counts pointer); each
            // plane holds at least words + PAD_WORDS u64, zero past the
            // stream, so the kernel's reads up to word w + 8 stay inside;
            // patterns holds npat × PATTERN_WORDS words, starts nseq + 1,
            // counts nseq × npat per sequence, else npat.
            unsafe { launch.launch(cfg) }.map_err(e)?;
            // The kernel has finished before its counts are read.
            stream.synchronize().map_err(e)?;
            let mut raw = stream.clone_dtoh(&counts).map_err(e)?;
            raw.truncate(len);
            Ok(raw)
        })
        .map_err(gpu_error)?;
        Ok(kernel::counts_from_raw(
            &pats,
            queries,
            &raw,
            per_sequence,
            self.nseq,
            ScanPath::Gpu,
            self.stream_len,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guarded_panic_is_an_error_and_prints_nothing() {
        let before = SILENCED.load(Ordering::Relaxed);
        let r: std::result::Result<(), String> = guarded("test", || panic!("no such symbol"));
        assert_eq!(r.unwrap_err(), "test: no such symbol");
        // The quiet hook, not the default one, saw the panic.
        assert!(SILENCED.load(Ordering::Relaxed) > before);
        // Outside `guarded` the flag is down again.
        assert_eq!(QUIET.with(|q| q.get()), 0);
    }

    #[test]
    fn the_kernel_is_built_once_per_process() {
        if let Err(why) = probe() {
            return crate::kmer::skip_unless_gpu_required(&format!("no GPU: {why}"));
        }
        let mut w = crate::WriterBuilder::default()
            .build(std::io::Cursor::new(Vec::new()))
            .unwrap();
        w.add_sequence(b"s", b"ACGTACGTNACGT", 60).unwrap();
        let r = crate::Reader::from_bytes(w.finish().unwrap().into_inner()).unwrap();
        let q = [Query::new("ACG").unwrap()];
        let planes = GpuPlanes::upload(&r).unwrap();
        let count = |p: &GpuPlanes| p.count(&q, &ScanOptions::default()).unwrap().kmers[0].forward;
        assert_eq!(count(&planes), 3);
        let (built, compiled) = (BUILDS.load(Ordering::Relaxed), COMPILES.load(Ordering::Relaxed));
        assert_eq!(built, 1);
        // A second count on the resident planes, and a second upload.
        assert_eq!(count(&planes), 3);
        assert_eq!(count(&GpuPlanes::upload(&r).unwrap()), 3);
        assert_eq!(BUILDS.load(Ordering::Relaxed), 1);
        assert_eq!(COMPILES.load(Ordering::Relaxed), compiled);
    }
}
