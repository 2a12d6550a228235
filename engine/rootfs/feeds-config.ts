/**
 * The package feed configuration an image carries when it has `package-management` in
 * IMAGE_FEATURES (or EXTRA_IMAGE_FEATURES): PACKAGE_FEED_URIS × PACKAGE_FEED_BASE_PATHS give
 * the feed roots, and each is followed by every arch of PACKAGE_FEED_ARCHS (or, when that is
 * unset, every arch the image's deploy directory has). Pure: settings in, files out.
 */
export type FeedFormat = 'deb' | 'rpm' | 'ipk';

export interface FeedSettings {
  readonly format: FeedFormat;
  /** PACKAGE_FEED_URIS (whitespace-separated). */
  readonly uris: string;
  /** PACKAGE_FEED_BASE_PATHS (whitespace-separated, may be empty). */
  readonly basePaths: string;
  /** PACKAGE_FEED_ARCHS, undefined when unset. */
  readonly archs: string | undefined;
  /** The package archs, in priority order, that have a directory in the format's deploy dir. */
  readonly presentArchs: readonly string[];
  /** PACKAGE_FEED_SIGN = "1": the feed metadata is signed; the path of the public key in the image. */
  readonly signedFeedKey?: string;
  /** RPM_SIGN_PACKAGES = "1". */
  readonly signedPackages?: boolean;
}

export interface ConfigFile {
  /** Absolute path inside the image. */
  readonly path: string;
  readonly content: string;
}

const words = (s: string | undefined): string[] => (s ?? '').split(/\s+/).filter((w) => w !== '');

/** Every URI joined with every base path (slashes trimmed where they meet), as oe-core builds them. */
export function feedRoots(uris: string, basePaths: string): string[] {
  const bases = words(basePaths).map((b) => b.replace(/^\/+|\/+$/g, ''));
  return words(uris).flatMap((u) => {
    const root = u.replace(/\/+$/, '');
    return bases.length === 0 ? [root] : bases.map((b) => `${root}/${b}`);
  });
}

/** Whether the image gets feed configuration: `package-management` among its features. */
export function wantsFeedConfig(imageFeatures: string | undefined, extraImageFeatures: string | undefined): boolean {
  return [...words(imageFeatures), ...words(extraImageFeatures)].includes('package-management');
}

const urlPath = (uri: string): string => {
  try {
    return new URL(uri).pathname;
  } catch {
    return uri;
  }
};

function debConfig(s: FeedSettings, roots: readonly string[], archs: readonly string[]): ConfigFile[] {
  const option = s.signedFeedKey ? `[signed-by=${s.signedFeedKey}]` : '[trusted=yes]';
  const lines = roots.flatMap((r) => (archs.length > 0 ? archs.map((a) => `deb ${option} ${r}/${a} ./\n`) : [`deb ${option} ${r} ./\n`]));
  return [{ path: '/etc/apt/sources.list.d/oe-remote-feeds.list', content: lines.join('') }];
}

function rpmConfig(s: FeedSettings, roots: readonly string[]): ConfigFile[] {
  const gpg = `${s.signedFeedKey ? `repo_gpgcheck=1\ngpgkey=file://${s.signedFeedKey}\n` : ''}${s.signedPackages ? '' : 'gpgcheck=0\n'}`;
  const archs = s.archs === undefined ? undefined : words(s.archs);
  return roots.map((root) => {
    const base = `oe-remote-repo${urlPath(root).split('/').join('-')}`;
    const section = (uri: string, id: string): string => `[${id}]\nname=OE Remote Repo:${urlPath(uri).split('/').join(' ')}\nbaseurl=${uri}\n${gpg}`;
    const content = archs === undefined
      ? section(root, base)
      : archs.map((a) => section(`${root}/${a}`, `oe-remote-repo${urlPath(`${root}/${a}`).split('/').join('-')}`)).join('\n');
    return { path: `/etc/yum.repos.d/${base}.repo`, content };
  });
}

function ipkConfig(roots: readonly string[], archs: readonly string[]): ConfigFile[] {
  const lines = roots.flatMap((r, n) => (archs.length > 0 ? archs.map((a) => `src/gz uri-${a}-${n} ${r}/${a}\n`) : [`src/gz uri-${n} ${r}\n`]));
  return [{ path: '/etc/opkg/base-feeds.conf', content: lines.join('') }];
}

/** The files to write into the image; none when PACKAGE_FEED_URIS is empty. */
export function feedsConfig(s: FeedSettings): ConfigFile[] {
  const roots = feedRoots(s.uris, s.basePaths);
  if (roots.length === 0) return [];
  const archs = s.archs === undefined ? s.presentArchs : words(s.archs);
  switch (s.format) {
    case 'deb':
      return debConfig(s, roots, archs);
    case 'rpm':
      return rpmConfig(s, roots);
    case 'ipk':
      return ipkConfig(roots, archs);
    default: {
      const never: never = s.format;
      throw new Error(`unreachable: ${String(never)}`);
    }
  }
}
