//! Compiled CEL expression lists, kept by their text.
//!
//! Compiling is a parse (kube-cel's generated parser: tens of microseconds for a short
//! expression), the check and the lowering to the native subset, and it depends only on the
//! text: the environment is fixed. Upstream compiles a placement's expressions on every
//! scheduling run; a controller reconciles the same placements again and again, and it also
//! compiles them to decide which snapshot a placement needs (`engine_needed`), so the results
//! are kept, failures included (a misconfigured placement stays misconfigured).
//!
//! The cache is process-wide and bounded: at most [`MAX_ENTRIES`] expression lists and
//! [`MAX_BYTES`] of their text; when an insert would pass either bound, it is emptied first.

use super::CompiledCel;
use rustc_hash::FxHashMap;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

/// What compiling one expression list gave: shared programs, or upstream's error message.
pub(crate) type Compiled = Result<Arc<CompiledCel>, String>;

/// Most expression lists kept.
const MAX_ENTRIES: usize = 1024;
/// Most bytes of expression text kept (the compiled trees take more than their text; a
/// placement's expressions are usually a few hundred bytes).
const MAX_BYTES: usize = 256 << 10;

/// Expression lists and what compiling them gave.
#[derive(Debug)]
struct Cache {
    entries: FxHashMap<Box<[String]>, Compiled>,
    bytes: usize,
    max_entries: usize,
    max_bytes: usize,
}

static SHARED: LazyLock<Mutex<Cache>> =
    LazyLock::new(|| Mutex::new(Cache::new(MAX_ENTRIES, MAX_BYTES)));

/// `compile(exprs)`, from the process-wide cache when it was compiled before.
pub(crate) fn get_or_compile(exprs: &[String], compile: impl FnOnce() -> Compiled) -> Compiled {
    get_or_compile_in(&SHARED, exprs, compile)
}

fn get_or_compile_in(
    cache: &Mutex<Cache>,
    exprs: &[String],
    compile: impl FnOnce() -> Compiled,
) -> Compiled {
    // A poisoned lock only means another thread panicked between two map operations; the
    // map is still a valid cache.
    let lock = || cache.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(hit) = lock().get(exprs) {
        return hit;
    }
    // Compiled outside the lock: two threads may compile the same text, and both results
    // are equal.
    let compiled = compile();
    lock().insert(exprs, compiled.clone());
    compiled
}

impl Cache {
    fn new(max_entries: usize, max_bytes: usize) -> Self {
        Cache {
            entries: FxHashMap::default(),
            bytes: 0,
            max_entries,
            max_bytes,
        }
    }

    fn get(&self, exprs: &[String]) -> Option<Compiled> {
        self.entries.get(exprs).cloned()
    }

    /// Keeps `compiled` for `exprs`, emptying the cache first when it is full. A list larger
    /// than the whole byte bound is not kept.
    fn insert(&mut self, exprs: &[String], compiled: Compiled) {
        let size: usize = exprs.iter().map(String::len).sum();
        if size > self.max_bytes || self.entries.contains_key(exprs) {
            return;
        }
        if self.entries.len() >= self.max_entries || self.bytes + size > self.max_bytes {
            self.entries.clear();
            self.bytes = 0;
        }
        self.bytes += size;
        self.entries.insert(exprs.into(), compiled);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exprs(e: &[&str]) -> Vec<String> {
        e.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_same_text_is_compiled_once() {
        let cache = Mutex::new(Cache::new(MAX_ENTRIES, MAX_BYTES));
        let compiles = std::cell::Cell::new(0);
        let get = |e: &[String]| {
            get_or_compile_in(&cache, e, || {
                compiles.set(compiles.get() + 1);
                super::super::compile_uncached(e).map(Arc::new)
            })
        };
        let ok = exprs(&[r#"managedCluster.metadata.name == "a""#]);
        let first = get(&ok).unwrap();
        assert!(Arc::ptr_eq(&first, &get(&ok).unwrap()));
        assert_eq!(compiles.get(), 1);

        let bad = exprs(&["undeclaredName == 1"]);
        let err = get(&bad).unwrap_err();
        assert!(
            err.contains("undeclared reference to 'undeclaredName'"),
            "{err}"
        );
        assert_eq!(get(&bad).unwrap_err(), err, "a failure is kept too");
        assert_eq!(compiles.get(), 2);

        // Another list (here: one more expression) is compiled on its own.
        let longer = exprs(&[&ok[0], "true"]);
        assert!(!Arc::ptr_eq(&first, &get(&longer).unwrap()));
        assert_eq!(compiles.get(), 3);
    }

    #[test]
    fn the_shared_cache_gives_what_compiling_gives() {
        let bad = exprs(&["cacheTestUndeclared == 1"]);
        let uncached = super::super::compile_uncached(&bad).unwrap_err();
        assert_eq!(super::super::compile(&bad).unwrap_err(), uncached);
        assert_eq!(super::super::compile(&bad).unwrap_err(), uncached);
        let ok = exprs(&["managedCluster.metadata.name.startsWith('c')"]);
        assert!(super::super::compile(&ok).unwrap().is_native());
        assert!(super::super::compile(&ok).unwrap().is_native());
    }

    #[test]
    fn a_full_cache_starts_over() {
        let program = || super::super::compile(&exprs(&["true"]));
        let mut cache = Cache::new(2, 10);
        cache.insert(&exprs(&["a"]), program());
        cache.insert(&exprs(&["b"]), program());
        assert_eq!(cache.len(), 2);
        cache.insert(&exprs(&["c"]), program());
        assert_eq!(cache.len(), 1, "more than two entries empties it");
        assert!(cache.get(&exprs(&["c"])).is_some());
        assert!(cache.get(&exprs(&["a"])).is_none());

        cache.insert(&exprs(&["0123456789"]), program());
        assert_eq!(cache.len(), 1, "ten more bytes pass the byte bound");
        assert!(cache.get(&exprs(&["0123456789"])).is_some());

        cache.insert(&exprs(&["0123456789a"]), program());
        assert!(
            cache.get(&exprs(&["0123456789a"])).is_none(),
            "a list over the whole bound is not kept"
        );
        assert!(cache.get(&exprs(&["0123456789"])).is_some());
    }
}
