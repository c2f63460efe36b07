import { unsafeEntryReason } from './archive-source';

describe('unsafeEntryReason', () => {
  it.each([
    [{ path: 'Dockerfile', type: 'File' }],
    [{ path: 'src/a/b.txt', type: 'File' }],
    [{ path: 'src/', type: 'Directory' }],
    [{ path: 'src/link', type: 'SymbolicLink', linkpath: '../Dockerfile' }],
    [{ path: 'hard', type: 'Link', linkpath: 'src/a/b.txt' }],
    [{ path: './x..y', type: 'File' }],
  ])('when the entry is %j, then it is safe', (entry) => {
    expect(unsafeEntryReason(entry)).toBeUndefined();
  });

  it.each([
    [{ path: '../escape', type: 'File' }, /\.\./],
    [{ path: 'a/../../escape', type: 'File' }, /\.\./],
    [{ path: '/etc/passwd', type: 'File' }, /absolute/],
    [{ path: 'link', type: 'SymbolicLink', linkpath: '/etc/passwd' }, /absolute/],
    [{ path: 'a/link', type: 'SymbolicLink', linkpath: '../../etc' }, /outside/],
    [{ path: 'hard', type: 'Link', linkpath: '../outside' }, /outside/],
    [{ path: 'dev', type: 'CharacterDevice' }, /not allowed/],
  ])('when the entry is %j, then it is refused', (entry, reason) => {
    expect(unsafeEntryReason(entry)).toMatch(reason);
  });
});
