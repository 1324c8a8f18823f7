//! Sequence digests (SPEC §6.1): MD5 as SAM/CRAM compute M5 and, optionally,
//! the GA4GH refget digest (SHA-512 truncated to 24 bytes), both over the
//! uppercased sequence. Hashing runs on worker threads, one sequence per
//! worker at a time, so that it overlaps parsing and packing and several
//! sequences hash in parallel.

use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;

use md5::{Digest, Md5};
use sha2::Sha512;

use crate::error::{Error, ErrorKind, Result};

/// Bytes of uppercased sequence sent to a worker at a time.
pub(crate) const CHUNK: usize = 1 << 20;
/// Chunks queued per worker before the writer waits: bounds memory.
const QUEUE: usize = 4;

enum Msg {
    Data(Vec<u8>),
    End(usize),
}

/// The digests of one sequence.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Digests {
    /// MD5 of the uppercased sequence (SAM M5).
    pub md5: [u8; 16],
    /// First 24 bytes of SHA-512 of the uppercased sequence, if asked for.
    pub refget: Option<[u8; 24]>,
}

impl Digests {
    /// Digests of `upper` (already uppercased), computed here.
    pub fn of(upper: &[u8], refget: bool) -> Digests {
        let mut s = State::new(refget);
        s.update(upper);
        s.finish()
    }
}

struct State {
    md5: Md5,
    sha: Option<Sha512>,
}

impl State {
    fn new(refget: bool) -> State {
        State {
            md5: Md5::new(),
            sha: refget.then(Sha512::new),
        }
    }
    fn update(&mut self, b: &[u8]) {
        self.md5.update(b);
        if let Some(s) = self.sha.as_mut() {
            s.update(b);
        }
    }
    fn finish(self) -> Digests {
        let refget = self.sha.map(|s| {
            let mut d = [0u8; 24];
            d.copy_from_slice(&s.finalize()[..24]);
            d
        });
        Digests {
            md5: self.md5.finalize().into(),
            refget,
        }
    }
}

/// Worker threads that hash sequences in the order they are written.
pub(crate) struct Pool {
    senders: Vec<SyncSender<Msg>>,
    handles: Vec<JoinHandle<Vec<(usize, Digests)>>>,
    spare_rx: Receiver<Vec<u8>>,
    /// Worker of the open sequence.
    current: usize,
}

impl Pool {
    pub fn new(refget: bool) -> Pool {
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 4);
        let (spare_tx, spare_rx) = sync_channel::<Vec<u8>>(workers * (QUEUE + 1));
        let mut senders = Vec::with_capacity(workers);
        let mut handles = Vec::with_capacity(workers);
        for _ in 0..workers {
            let (tx, rx) = sync_channel::<Msg>(QUEUE);
            let spare = spare_tx.clone();
            handles.push(std::thread::spawn(move || {
                let mut done = Vec::new();
                let mut state = State::new(refget);
                for msg in rx {
                    match msg {
                        Msg::Data(mut buf) => {
                            state.update(&buf);
                            buf.clear();
                            // The pool may be full or gone; the buffer is then simply dropped.
                            let _ = spare.try_send(buf);
                        }
                        Msg::End(seq) => {
                            let s = std::mem::replace(&mut state, State::new(refget));
                            done.push((seq, s.finish()));
                        }
                    }
                }
                done
            }));
            senders.push(tx);
        }
        Pool {
            senders,
            handles,
            spare_rx,
            current: 0,
        }
    }

    fn lost() -> Error {
        Error::new(ErrorKind::Io, "a digest worker thread stopped unexpectedly")
    }

    /// An empty buffer for the next chunk, reused when one is free.
    pub fn buffer(&self) -> Vec<u8> {
        self.spare_rx
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(CHUNK + 4096))
    }

    /// Starts sequence `seq` on the next worker.
    pub fn begin(&mut self, seq: usize) {
        self.current = seq % self.senders.len();
    }

    /// Hashes `buf` as the next bytes of the open sequence.
    pub fn send(&self, buf: Vec<u8>) -> Result<()> {
        self.senders[self.current]
            .send(Msg::Data(buf))
            .map_err(|_| Self::lost())
    }

    /// Ends sequence `seq`.
    pub fn end(&self, seq: usize) -> Result<()> {
        self.senders[self.current].send(Msg::End(seq)).map_err(|_| Self::lost())
    }

    /// Waits for every worker and returns the digests by sequence.
    pub fn finish(self) -> Result<Vec<(usize, Digests)>> {
        drop(self.senders);
        let mut all = Vec::new();
        for h in self.handles {
            all.extend(h.join().map_err(|_| Self::lost())?);
        }
        all.sort_by_key(|(s, _)| *s);
        Ok(all)
    }
}

/// The GA4GH refget identifier of a stored digest: "SQ." + base64url
/// (RFC 4648 §5, no padding) of the 24 bytes (SPEC §6.1).
///
/// ```
/// let d = [0u8; 24];
/// assert_eq!(tribit::sequence::refget_id(&d), "SQ.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
/// ```
pub fn refget_id(d: &[u8; 24]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut s = String::from("SQ.");
    for c in d.chunks(3) {
        let n = (c[0] as u32) << 16 | (c[1] as u32) << 8 | c[2] as u32;
        for k in (0..4).rev() {
            s.push(A[(n >> (6 * k) & 63) as usize] as char);
        }
    }
    s
}
