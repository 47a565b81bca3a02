/**
 * A pass-through proxy in front of moto that keeps S3 bucket policies itself. moto 5.2.1 turns a
 * Deny statement with a condition into a deny for everyone (moto/iam/access_control.py: a
 * condition that does not match returns DENIED instead of not applying), so the bootstrap's bucket
 * policy (deny without TLS; deny the plan role what is not its own) would refuse every object to
 * every caller there. Here PutBucketPolicy, GetBucketPolicy and DeleteBucketPolicy are answered by
 * the proxy, which gives the policy back exactly as written (so Terraform sees no drift), and moto
 * never evaluates it. Everything else goes to moto untouched.
 */
import { createServer, request } from 'node:http';

export async function startPolicyShim(
  moto: string,
): Promise<{ url: string; policies: Map<string, string>; close(): Promise<void> }> {
  const policies = new Map<string, string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://shim');
      const bucket = url.pathname.split('/')[1] ?? '';
      if (url.searchParams.has('policy') && bucket && url.pathname.split('/').filter(Boolean).length === 1) {
        if (req.method === 'PUT') {
          policies.set(bucket, body.toString('utf8'));
          res.writeHead(204).end();
        } else if (req.method === 'DELETE') {
          policies.delete(bucket);
          res.writeHead(204).end();
        } else {
          const policy = policies.get(bucket);
          if (policy) res.writeHead(200, { 'content-type': 'application/json' }).end(policy);
          else
            res
              .writeHead(404, { 'content-type': 'application/xml' })
              .end(
                `<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchBucketPolicy</Code><Message>The bucket policy does not exist</Message><BucketName>${bucket}</BucketName></Error>`,
              );
        }
        return;
      }
      const upstream = request(
        `${moto}${req.url}`,
        { method: req.method, headers: { ...req.headers, host: new URL(moto).host } },
        (answer) => {
          res.writeHead(answer.statusCode ?? 500, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', (err) => res.writeHead(502).end(String(err)));
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    policies,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
