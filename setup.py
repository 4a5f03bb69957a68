"""
Packaging for mesos_tw: the Mesos cluster resource manager on Twisted.
"""

from setuptools import find_packages, setup

setup(
    name="mesos_tw",
    version="0.1.0",
    description="Fine-grained cluster sharing through resource offers, on Twisted",
    long_description=open("README.rst").read(),
    long_description_content_type="text/x-rst",
    python_requires=">=3.11",
    packages=find_packages(exclude=["tests", "tests.*", "bench", "examples"])
    + ["twisted.plugins"],
    package_data={"twisted": ["plugins/mesos_tw_plugins.py"]},
    install_requires=[
        "twisted[tls]>=24.3",
        "protobuf>=7.35.1,<8",
        "pyopenssl>=24.0",
        "service-identity>=24.1",
        "cryptography>=42",
        "kazoo>=2.10",
    ],
    extras_require={
        "test": ["hypothesis>=6.100"],
        "dev": ["grpcio-tools>=1.80"],
    },
    entry_points={"console_scripts": ["mesos-tw = mesos_tw.cli.main:main"]},
)
