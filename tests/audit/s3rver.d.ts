// s3rver ships no type declarations; this covers the part of its API the S3 tests use.
declare module "s3rver" {
    import { AddressInfo } from "net";
    interface S3rverOptions {
        address?: string;
        port?: number;
        silent?: boolean;
        directory?: string;
        configureBuckets?: Array<{ name: string }>;
    }
    export default class S3rver {
        constructor(options: S3rverOptions);
        run(): Promise<AddressInfo>;
        close(): Promise<void>;
    }
}
