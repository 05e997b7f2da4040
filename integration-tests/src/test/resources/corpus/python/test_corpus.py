import multiprocessing
import os
import sqlite3
import subprocess
import sys
import tempfile
import unittest


def square(x):
    return x * x


class CorpusTest(unittest.TestCase):
    def test_tempfile(self):
        with tempfile.NamedTemporaryFile("w+", dir=".") as f:
            f.write("x")
            f.flush()
            self.assertEqual(os.path.getsize(f.name), 1)
        with tempfile.TemporaryDirectory(dir=".") as d:
            open(os.path.join(d, "f"), "w").close()

    def test_sqlite_file(self):
        db = sqlite3.connect("corpus.db")
        db.execute("create table t (x integer)")
        db.executemany("insert into t values (?)", [(i,) for i in range(100)])
        db.commit()
        self.assertEqual(db.execute("select sum(x) from t").fetchone()[0], 4950)
        db.close()
        os.remove("corpus.db")

    def test_multiprocessing(self):
        with multiprocessing.Pool(2) as pool:
            self.assertEqual(pool.map(square, range(10)), [x * x for x in range(10)])

    def test_subprocess(self):
        out = subprocess.run([sys.executable, "-c", "print(6 * 7)"], capture_output=True, text=True, check=True)
        self.assertEqual(out.stdout, "42\n")


if __name__ == "__main__":
    unittest.main()
