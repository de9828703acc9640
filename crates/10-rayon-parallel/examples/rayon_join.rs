//! Divide and conquer with `rayon::join`: a merge sort whose two halves are sorted at
//! the same time, at every level of the recursion, on rayon's pool.
use std::time::Instant;

const N: usize = 200_000;
const SMALL: usize = 2_000; // below this, sorting in place beats splitting further

/// Returns the sorted items. `join` runs both closures, maybe on two threads, and
/// returns both results; the closures borrow the two halves of `items`.
fn merge_sort(items: &[u32]) -> Vec<u32> {
    if items.len() <= SMALL {
        let mut sorted = items.to_vec();
        sorted.sort_unstable();
        return sorted;
    }
    let (left, right) = items.split_at(items.len() / 2);
    let (left, right) = rayon::join(|| merge_sort(left), || merge_sort(right));
    merge(&left, &right)
}

/// Merges two sorted lists into one, taking the smaller front item each time.
fn merge(left: &[u32], right: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(left.len() + right.len());
    let (mut l, mut r) = (left.iter().peekable(), right.iter().peekable());
    while let (Some(&&a), Some(&&b)) = (l.peek(), r.peek()) {
        let smaller = if a <= b { &mut l } else { &mut r };
        out.push(*smaller.next().unwrap());
    }
    out.extend(l.chain(r)); // one side is empty; the other's rest is already sorted
    out
}

fn main() {
    // The numbers to sort: the same generator as the Python twin, so the same list.
    let mut x = 1u32;
    let items: Vec<u32> = (0..N)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            x >> 16
        })
        .collect();
    let start = Instant::now();
    let sorted = merge_sort(&items);
    let ms = start.elapsed().as_secs_f64() * 1e3;
    println!("sorted {N} numbers in {ms:.1} ms");
    assert!(sorted.is_sorted());
    println!("Result: {}", sorted[N / 2]); // the median
}
