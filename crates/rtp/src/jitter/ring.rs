//! Fixed storage for buffered packets: one slot per sequence number modulo the capacity,
//! payload bytes in one buffer allocated up front. Nothing here allocates after `new`.

/// What the buffer knows about one stored packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Meta {
    /// Extended sequence number.
    pub(crate) seq: i64,
    /// Extended timestamp in ticks.
    pub(crate) ts: i64,
    pub(crate) wire_seq: u16,
    pub(crate) wire_ts: u32,
    pub(crate) marker: bool,
    pub(crate) len: usize,
}

/// Slots indexed by extended sequence number modulo the capacity.
#[derive(Debug, Clone)]
pub(crate) struct Ring {
    meta: Vec<Option<Meta>>,
    data: Vec<u8>,
    max_payload: usize,
    len: usize,
}

impl Ring {
    /// `capacity` slots of `max_payload` bytes each.
    pub(crate) fn new(capacity: usize, max_payload: usize) -> Self {
        Ring {
            meta: vec![None; capacity.max(1)],
            data: vec![0; capacity.max(1) * max_payload],
            max_payload,
            len: 0,
        }
    }

    pub(crate) fn capacity(&self) -> usize {
        self.meta.len()
    }

    pub(crate) fn max_payload(&self) -> usize {
        self.max_payload
    }

    /// Packets stored.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The packet with extended sequence number `seq`, if stored.
    pub(crate) fn get(&self, seq: i64) -> Option<Meta> {
        self.meta[self.index(seq)].filter(|m| m.seq == seq)
    }

    /// Stores a packet, replacing whatever occupied its slot. The caller keeps the
    /// window of live sequence numbers narrower than the capacity and the payload
    /// within `max_payload`; a longer payload is not stored (returns `false`).
    pub(crate) fn insert(&mut self, meta: Meta, payload: &[u8]) -> bool {
        if payload.len() > self.max_payload {
            return false;
        }
        let i = self.index(meta.seq);
        let start = i * self.max_payload;
        let Some(dst) = self.data.get_mut(start..start + payload.len()) else {
            return false;
        };
        dst.copy_from_slice(payload);
        if self.meta[i].is_none() {
            self.len += 1;
        }
        self.meta[i] = Some(Meta {
            len: payload.len(),
            ..meta
        });
        true
    }

    /// Frees the slot of `seq` if it holds that packet.
    pub(crate) fn remove(&mut self, seq: i64) {
        let i = self.index(seq);
        if self.meta[i].is_some_and(|m| m.seq == seq) {
            self.meta[i] = None;
            self.len -= 1;
        }
    }

    /// Frees every slot holding a sequence number below `seq`; returns how many.
    pub(crate) fn remove_below(&mut self, seq: i64) -> u64 {
        let mut removed = 0;
        for slot in &mut self.meta {
            if slot.is_some_and(|m| m.seq < seq) {
                *slot = None;
                self.len -= 1;
                removed += 1;
            }
        }
        removed
    }

    /// Empties the ring (a resync).
    pub(crate) fn clear(&mut self) {
        self.meta.fill(None);
        self.len = 0;
    }

    /// The stored packet with the lowest sequence number in `from..=to`.
    pub(crate) fn first_from(&self, from: i64, to: i64) -> Option<Meta> {
        if self.len == 0 {
            return None;
        }
        let cap = self.capacity() as i64;
        let to = to.min(from.saturating_add(cap - 1));
        let mut seq = from;
        while seq <= to {
            if let Some(m) = self.get(seq) {
                return Some(m);
            }
            seq += 1;
        }
        None
    }

    /// The payload bytes of a stored packet (empty if its slot was reused).
    pub(crate) fn payload(&self, meta: &Meta) -> &[u8] {
        let start = self.index(meta.seq) * self.max_payload;
        self.data.get(start..start + meta.len).unwrap_or(&[])
    }

    fn index(&self, seq: i64) -> usize {
        // rem_euclid of a positive modulus is in 0..capacity, which fits usize.
        seq.rem_euclid(self.capacity() as i64) as usize
    }
}
