//! Host ports handed out to dev containers.

use std::collections::HashMap;

/// Taken host ports, answering "the first free port at or above p" in near-constant time:
/// each taken port points at a candidate above it, and a lookup points every port it walked
/// past straight at its answer (a thousand servers on port 8000 cost about a thousand steps,
/// not half a million).
#[derive(Debug, Default)]
pub struct FreePorts {
    next: HashMap<u16, u16>,
    steps: usize,
}

impl FreePorts {
    pub fn take(&mut self, p: u16) {
        // u16::MAX is handed out even when taken: nothing lies above it.
        if p < u16::MAX {
            self.next.insert(p, p + 1);
        }
    }

    /// The lowest port at or above `p` that is not taken (`u16::MAX` if none is).
    pub fn first_free_from(&mut self, p: u16) -> u16 {
        let mut at = p;
        let mut walked = Vec::new();
        while let Some(&n) = self.next.get(&at) {
            walked.push(at);
            at = n;
            self.steps += 1;
        }
        for w in walked {
            self.next.insert(w, at);
        }
        at
    }

    /// Steps walked by all lookups so far: a measure of work that needs no clock.
    pub fn steps(&self) -> usize {
        self.steps
    }
}
