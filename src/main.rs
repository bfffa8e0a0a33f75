//! The `samla` command line: a thin shell over the samla libraries.

fn main() {
    println!("samla");
}
