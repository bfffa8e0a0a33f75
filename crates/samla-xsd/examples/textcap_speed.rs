use std::io::Read;
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let t = std::time::Instant::now();
    let mut r = samla_xsd::textcap::TextCap::new(std::io::BufReader::new(std::fs::File::open(&path).unwrap()));
    let mut buf = vec![0u8; 16 * 1024];
    let mut n = 0u64;
    loop {
        let k = r.read(&mut buf).unwrap();
        if k == 0 {
            break;
        }
        n += k as u64;
    }
    println!("{n} bytes in {:.2?}", t.elapsed());
}
