//! Two pieces of work at once, on two threads, when they are big enough to be worth a thread.

/// Runs `a` on a second thread beside `b` when `worth` is true, else one after the other (a
/// thread takes tens of microseconds to start). A panic in either goes on as a panic.
pub fn join<A: Send, B>(
    worth: bool,
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B,
) -> (A, B) {
    if !worth {
        let a = a();
        return (a, b());
    }
    std::thread::scope(|s| {
        let a = s.spawn(a);
        let b = b();
        let a = a
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (a, b)
    })
}

#[cfg(test)]
mod tests {
    use super::join;

    #[test]
    fn both_run_and_each_result_keeps_its_place_either_way() {
        for worth in [false, true] {
            let (a, b) = join(worth, || "a".repeat(3), || 2 + 2);
            assert_eq!((a.as_str(), b), ("aaa", 4));
        }
    }

    #[test]
    fn with_worth_the_first_runs_on_another_thread() {
        let here = std::thread::current().id();
        let (there, _) = join(true, || std::thread::current().id(), || ());
        assert_ne!(there, here);
        let (there, _) = join(false, || std::thread::current().id(), || ());
        assert_eq!(there, here);
    }
}
