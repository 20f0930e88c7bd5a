/**
 * A fast, stable 32-bit string hash: FNV-1a over UTF-16 code units, finished with murmur3's fmix32 avalanche so
 * that similar keys (`10.0.0.1#1`, `10.0.0.1#2`) land far apart on the ring. Kong uses xxhash32; the placement
 * differs from Kong's but is as uniform, and it needs no allocation or dependency.
 */
export function hash32(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
